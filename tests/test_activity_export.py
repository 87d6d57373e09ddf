"""The activity export a mediator hands to La Coop de la médiation numérique: the Coop's columns and values
only (from sync/base/activity/coop_vocabulary.csv), collective rows for a group's meeting, autonomy from "done
alone / with help", safe cells, and the same table in CSV and XLSX."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest

from kiosk import groups, progress
from kiosk.activity import rows as export_rows
from kiosk.activity.sessions import learner_sessions, lesson_tags
from kiosk.db import database
from kiosk.facilitators import create as create_facilitator
from kiosk.learners import create_learner
from sync.base.activity import vocabulary
from sync.base.activity.writers import csv_bytes, xlsx_bytes
from tests.conftest import ROOT, Learners, write_tree

DAY = date(2026, 11, 3)
AT = datetime(2026, 11, 3, 10, 0).timestamp()

COURSES = {
    "01-mail/course.yml": "id: mail\ntitle: Mail\nlanguage: en\norder: 1\n",
    "01-mail/01-an-address.md": "---\nid: mail-address\ntags: [email]\n---\n# An address\n\nText.\n",
    "01-mail/02-safe.md": "---\nid: mail-safe\ntags: [passwords, internet, not a topic]\n---\n# Safe\n\nText.\n",
    "02-other/course.yml": "id: other\ntitle: Other\nlanguage: en\norder: 2\n",
    "02-other/01-alone.md": "---\nid: other-alone\ntags: [mouse]\n---\n# Alone\n\nText.\n",
}


@pytest.fixture
def kiosk(make_app, tmp_path):
    app = make_app(write_tree(tmp_path / "content", COURSES))
    with database.connection_context():
        create_facilitator("Samia", "correct horse battery")
    return app


def person(name):
    return create_learner(name, "sun", None, "fr")


def work(learner, key, course, with_help=False, at=AT, minutes=4):
    """A learner opens a lesson and finishes it `minutes` later."""
    progress.record_step(learner, key, course, 0, 2, now=at)
    progress.complete_lesson(learner, key, course, 2, with_help=with_help, now=at + minutes * 60)


def table(values=export_rows.LABELS, start=DAY, end=DAY, place="lieu_activite", device="ordinateur"):
    header, body = export_rows.build(learner_sessions(start, end), place, device, values)
    return [dict(zip(header, row)) for row in body]


def heading(code):
    return next(c.label for c in vocabulary.columns() if c.code == code)


def test_the_columns_are_the_coops_own_headings_in_order(kiosk):
    with database.connection_context():
        work(person("Awa"), "mail-address", "mail")
        header, _ = export_rows.build(learner_sessions(DAY, DAY), "lieu_activite", "ordinateur")
    assert header == ["Date", "Type", "Participants", "Bénéficiaire", "Canaux d’accompagnement", "Durée (min)",
                      "Nom de l’atelier", "Matériel numérique utilisé", "Thématique(s) d’accompagnement",
                      "Niveau d’autonomie (ou de l’atelier)", "Commune du bénéficiaire",
                      "Tranche d’âge du bénéficiaire", "Statut du bénéficiaire"]


def test_every_value_comes_from_the_coops_vocabulary_as_label_or_as_code(kiosk):
    with database.connection_context():
        work(person("Awa"), "mail-address", "mail")
        work(person("Binta"), "mail-safe", "mail", with_help=True)
        labelled, coded = table(), table(export_rows.CODES)
    fields = {"type": "type_activite", "canal": "type_lieu", "materiel": "materiel",
              "thematiques": "thematique", "autonomie": "autonomie"}
    for rows, attribute in ((labelled, "label"), (coded, "code")):
        for row in rows:
            for column, field in fields.items():
                allowed = {getattr(t, attribute) for t in vocabulary.terms() if t.field == field}
                assert set(row[heading(column)].split("\n")) <= allowed, (column, row[heading(column)])
    awa, binta = labelled
    assert (awa["Type"], awa["Canaux d’accompagnement"], awa["Matériel numérique utilisé"]) == (
        "Accompagnement individuel", "Lieu d’activité", "Ordinateur")
    assert awa["Thématique(s) d’accompagnement"] == "E-mail"
    # tags map to topics in the Coop's order; a tag missing from topics.csv adds none
    assert binta["Thématique(s) d’accompagnement"] == "Navigation sur internet\nPrévention en sécurité numérique"
    assert coded[1]["Thématique(s) d’accompagnement"] == "navigation_sur_internet\nsecurite_numerique"
    assert (awa["Date"], awa["Durée (min)"], awa["Bénéficiaire"]) == (DAY, 4, "Awa")


def test_what_the_kiosk_never_asks_is_left_blank(kiosk):
    with database.connection_context():
        work(person("Awa"), "mail-address", "mail")
        (row,) = table()
    assert [row[heading(c)] for c in ("commune", "tranche_age", "statut")] == ["", "", ""]


def test_a_groups_meeting_gives_collective_rows_and_a_lone_visit_an_individual_one(kiosk):
    with database.connection_context():
        awa, binta, chris = person("Awa"), person("Binta"), person("Chris")
        workshop = groups.create("Atelier du mardi")
        groups.set_members(workshop, [awa.id, binta.id])
        groups.set_courses(workshop, ["mail"])
        work(awa, "mail-address", "mail")
        work(binta, "mail-safe", "mail", with_help=True)
        work(chris, "mail-address", "mail")                   # same day, not in the group
        work(awa, "other-alone", "other", at=AT + 86400)      # the next day, alone
        rows = table(end=date(2026, 11, 4))
    by = {(r["Bénéficiaire"], r["Date"]): r for r in rows}
    first, second = by[("Awa", DAY)], by[("Binta", DAY)]
    assert {first["Type"], second["Type"]} == {"Atelier collectif"}
    assert (first["Participants"], second["Participants"]) == ("1/2", "2/2")
    assert first["Nom de l’atelier"] == second["Nom de l’atelier"] == "Atelier du mardi"
    assert first["Niveau d’autonomie (ou de l’atelier)"] == ""   # the Coop asks autonomy of individuals only
    assert by[("Chris", DAY)]["Type"] == "Accompagnement individuel"
    next_day = by[("Awa", date(2026, 11, 4))]
    assert (next_day["Type"], next_day["Participants"], next_day["Nom de l’atelier"]) == (
        "Accompagnement individuel", 1, "")


def test_one_member_alone_on_a_group_course_is_not_a_meeting(kiosk):
    with database.connection_context():
        awa, binta = person("Awa"), person("Binta")
        workshop = groups.create("Atelier")
        groups.set_members(workshop, [awa.id, binta.id])
        groups.set_courses(workshop, ["mail"])
        work(awa, "mail-address", "mail")
        work(binta, "other-alone", "other")                  # not the group's course
        assert {r["Type"] for r in table()} == {"Accompagnement individuel"}


def test_autonomy_is_autonome_alone_partly_with_some_help_guided_with_help_throughout(kiosk):
    with database.connection_context():
        alone, some, helped = person("Alone"), person("Some"), person("Helped")
        for key in ("mail-address", "mail-safe"):
            work(alone, key, "mail")
            work(helped, key, "mail", with_help=True)
        work(some, "mail-address", "mail")
        work(some, "mail-safe", "mail", with_help=True)
        rows = {r["Bénéficiaire"]: r["Niveau d’autonomie (ou de l’atelier)"] for r in table()}
        codes = {r["Bénéficiaire"]: r["Niveau d’autonomie (ou de l’atelier)"] for r in table(export_rows.CODES)}
    assert rows == {"Alone": "Autonome", "Some": "Autonome avec guidage en cas de besoin", "Helped": "Avec guidage"}
    assert codes == {"Alone": "autonome", "Some": "partiellement_autonome", "Helped": "entierement_accompagne"}


def test_only_the_period_asked_is_exported_and_a_lessons_minutes_add_up_per_day(kiosk):
    with database.connection_context():
        awa = person("Awa")
        work(awa, "mail-address", "mail", minutes=3)
        work(awa, "mail-safe", "mail", minutes=5)
        work(awa, "other-alone", "other", at=AT + 3 * 86400)
        rows = table()
    assert [(r["Date"], r["Durée (min)"]) for r in rows] == [(DAY, 8)]


def test_a_setting_outside_the_coops_words_is_refused(kiosk):
    with database.connection_context():
        work(person("Awa"), "mail-address", "mail")
        with pytest.raises(vocabulary.VocabularyError, match="lieu_activite"):
            table(place="cafe")


def test_csv_cells_are_safe_and_the_xlsx_holds_the_same_table(kiosk):
    with database.connection_context():
        work(person('=HYPERLINK("http://x")'), "mail-address", "mail")
        work(person("Binta"), "mail-safe", "mail", with_help=True)
        header, body = export_rows.build(learner_sessions(DAY, DAY), "lieu_activite", "ordinateur")
    text = csv_bytes(header, body).decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert parsed[0] == header
    names = [row[3] for row in parsed[1:]]
    assert "'=HYPERLINK(\"http://x\")" in names and not any(n.startswith("=") for n in names)
    assert parsed[1][0] == "03/11/2026"
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(header, body))).active
    assert sheet.title == "Activités"
    as_text = [["" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, datetime) else str(v) for v in row]
               for row in sheet.iter_rows(values_only=True)]
    assert as_text == parsed
    assert sheet["A2"].number_format == "dd/mm/yyyy" and isinstance(sheet["F2"].value, int)


def test_a_workshop_name_with_a_control_character_still_makes_a_spreadsheet(kiosk):
    with database.connection_context():
        awa, binta = person("Awa"), person("Binta")
        workshop = groups.create("Atelier\x01 du mardi")
        groups.set_members(workshop, [awa.id, binta.id])
        groups.set_courses(workshop, ["mail"])
        work(awa, "mail-address", "mail")
        work(binta, "mail-safe", "mail")
        header, body = export_rows.build(learner_sessions(DAY, DAY), "lieu_activite", "ordinateur")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(header, body))).active
    assert sheet["G2"].value == "Atelier du mardi"


def test_a_facilitator_downloads_the_period_as_csv_or_xlsx(kiosk):
    client = kiosk.test_client()
    assert client.get("/facilitator/activity?file=csv").status_code == 302      # signed-out: sign in first
    helper = Learners(client)
    helper.post("/facilitator/login", {"name": "Samia", "password": "correct horse battery"},
                token_from="/facilitator/login")
    with database.connection_context():
        work(person("Awa"), "mail-address", "mail")
    page = client.get("/facilitator/activity")
    assert page.status_code == 200 and b'name="from"' in page.data
    got = client.get("/facilitator/activity?from=2026-11-01&to=2026-11-30&file=csv")
    assert got.mimetype == "text/csv" and "attachment" in got.headers["Content-Disposition"]
    assert "Awa" in got.data.decode("utf-8-sig")
    xlsx = client.get("/facilitator/activity?from=2026-11-01&to=2026-11-30&file=xlsx&values=codes")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet["B2"].value == "individuel"
    assert client.get("/facilitator/activity?from=2026-11-30&to=2026-11-01&file=csv").status_code == 400
    assert client.get("/facilitator/activity?from=yesterday&file=csv").status_code == 400
    assert b"/facilitator/activity" in client.get("/facilitator/").data


def test_every_demo_lesson_maps_to_at_least_one_coop_topic(demo_app):
    with database.connection_context():
        tags = lesson_tags()
    assert len(tags) >= 19
    unmapped = [key for key, found in tags.items() if not vocabulary.topics_for_tags(found)]
    assert unmapped == []


def test_the_docs_show_every_line_of_the_topic_table():
    doc = (ROOT / "docs" / "activity-export.md").read_text(encoding="utf-8")
    for row in vocabulary.read_table(vocabulary.HERE / "topics.csv"):
        assert f"| {row['tag']} | `{row['thematique']}` |" in doc, row
