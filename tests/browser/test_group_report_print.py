"""A group's report for a funder prints on one A4 page, menu and form left out, even for a large group that
worked on several competences (Chromium's PDF, pages counted with pdfinfo)."""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from tests.browser.conftest import _unavailable
from tests.browser.pages import Visitor, unique_name
from tests.browser.test_facilitator_pages import sign_in
from tests.browser.test_printing import pdf_pages

pytestmark = pytest.mark.browser
MEMBERS = 16


@pytest.fixture(scope="module")
def large_group(kiosk):
    """A facilitator and a group of 16 learners who each finished three demo lessons today, one with help."""
    from kiosk import catalog, groups, progress
    from kiosk.db import database
    from kiosk.facilitators import create
    from kiosk.learners import create_learner

    if shutil.which("pdfinfo") is None:
        _unavailable("pdfinfo missing (apt-get install poppler-utils)")
    name, now = unique_name("Samia"), time.time()
    with database.connection_context():
        create(name, "correct horse battery")
        lessons = [(c.id, les.key, len(les.steps or [1])) for c in catalog.courses("fr") for les in c.lessons][:3]
        people = [create_learner(unique_name(f"Apprenante {n:02d} Dupont-Marchand"), "sun", None, "fr")
                  for n in range(MEMBERS)]
        for person in people:
            for number, (course, key, steps) in enumerate(lessons):
                progress.record_step(person, key, course, 0, steps, now=now - 600)
                progress.complete_lesson(person, key, course, steps, with_help=number == 2, now=now - 300)
        group = groups.create(unique_name("Atelier numérique du mardi"))
        groups.set_members(group, [p.id for p in people])
        groups.set_courses(group, sorted({course for course, _, _ in lessons}))
    return {"facilitator": name, "group": group.id, "name": group.name}


def test_a_large_groups_report_prints_on_one_a4_page(new_context, kiosk, large_group, tmp_path):
    visitor = Visitor(new_context().new_page(), kiosk)
    sign_in(visitor, large_group["facilitator"])
    visitor.open(f"/facilitator/groups/{large_group['group']}")
    visitor.submit("a[href$='/report']")          # waits for the report's load event: deferred scripts have run
    page = visitor.page
    assert page.locator("button[data-print]").is_visible()            # print.js shows the Print button
    page.emulate_media(media="print")
    for hidden in (".facilitator-nav", ".facilitator-out", "form.no-print", "p.no-print", ".foot"):
        assert not page.locator(hidden).first.is_visible(), hidden
    pdf = tmp_path / "group-report.pdf"
    page.pdf(path=str(pdf), format="A4")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert pdf_pages(pdf) == 1
    assert large_group["name"] in text and f"{MEMBERS * 2}" in text and "Total" in text
    assert visitor.problems == []
