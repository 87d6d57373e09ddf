"""A group's report for a funder: the right figures for a known group and period (learners, hours, lessons
finished alone or with help, meetings, competences worked on alone in that period), in the centre's language."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from kiosk import groups
from kiosk.activity.group_report import group_report
from kiosk.db import database
from kiosk.facilitators import create as create_facilitator
from tests.conftest import Learners, write_tree
from tests.test_activity_export import person, work

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
COURSES = {
    "01-mail/course.yml": "id: mail\ntitle: Mail\nlanguage: en\norder: 1\n",
    "01-mail/01-an-address.md": "---\nid: mail-address\ncrcn: \"2.1\"\ncrcn_level: 1\n---\n# An address\n\nText.\n",
    "01-mail/02-safe.md": "---\nid: mail-safe\ncrcn: \"4.1\"\ncrcn_level: 2\n---\n# Safe\n\nText.\n",
}


def at(day: int, hour: int = 10) -> float:
    return datetime(2026, 11, day, hour).timestamp()


@pytest.fixture
def kiosk(make_app, tmp_path):
    app = make_app(write_tree(tmp_path / "content", COURSES), DEFAULT_LANGUAGE="fr", CENTRE_NAME="Espace Belleville")
    with database.connection_context():
        create_facilitator("Samia", "correct horse battery")
        awa, binta, chloe, dan = (person(n) for n in ("Awa", "Binta", "Chloé", "Dan"))
        workshop = groups.create("Atelier du mardi")
        groups.set_members(workshop, [awa.id, binta.id, chloe.id])
        groups.set_courses(workshop, ["mail"])
        work(awa, "mail-address", "mail", at=at(3), minutes=3)             # the group meets on 3 November
        work(binta, "mail-address", "mail", with_help=True, at=at(3), minutes=4)
        work(dan, "mail-address", "mail", at=at(3), minutes=5)             # not in the group
        work(awa, "mail-safe", "mail", at=at(10), minutes=3)              # alone on the 10th
        work(binta, "mail-safe", "mail", at=datetime(2026, 10, 20, 10).timestamp(), minutes=9)   # October
    app.workshop_id = workshop.id
    return app


def test_a_groups_report_counts_its_members_hours_lessons_meetings_and_competences_of_the_period(kiosk):
    with database.connection_context():
        report = group_report(groups.get(kiosk.workshop_id), *NOVEMBER, "fr")
    lines = {line.name: (line.days, line.seconds, line.alone, line.helped) for line in report.lines}
    assert lines == {"Awa": (2, 6 * 60, 2, 0), "Binta": (1, 4 * 60, 0, 1), "Chloé": (0, 0, 0, 0)}
    assert (report.active, report.meetings) == (2, 1)
    total = report.total
    assert (total.days, total.seconds, total.alone, total.helped) == (3, 10 * 60, 2, 1)
    worked = {c["code"]: (c["lessons"], c["learners"]) for c in report.competences}
    assert worked == {"2.1": (1, 1), "4.1": (1, 1)}         # Binta's lesson alone in October is not counted


def test_the_report_page_is_in_the_centres_language_whatever_the_facilitators_browser_says(kiosk):
    client = kiosk.test_client()
    url = f"/facilitator/groups/{kiosk.workshop_id}/report?from=2026-11-01&to=2026-11-30"
    assert client.get(url).status_code == 302                          # signed out: sign in first
    Learners(client).post("/facilitator/login", {"name": "Samia", "password": "correct horse battery"},
                          token_from="/facilitator/login")
    group_page = client.get(f"/facilitator/groups/{kiosk.workshop_id}").get_data(as_text=True)
    assert f"/facilitator/groups/{kiosk.workshop_id}/report" in group_page
    page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr"' in page and "Espace Belleville" in page and "Atelier du mardi" in page
    assert "1 novembre 2026" in page and "30 novembre 2026" in page
    total = page[page.index("<tfoot>"):page.index("</tfoot>")]
    assert "<td>3</td><td>0,2</td><td>2</td><td>1</td>" in total        # days, hours, alone, with help
    assert "group-report.css" in page and "print.js" in page
    refused = client.get(f"/facilitator/groups/{kiosk.workshop_id}/report?from=2026-11-30&to=2026-11-01")
    assert refused.status_code == 400
    assert client.get("/facilitator/groups/999/report").status_code == 404
