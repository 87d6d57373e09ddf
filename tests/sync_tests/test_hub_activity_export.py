"""The hub's activity export for La Coop de la médiation numérique: the kiosk's columns and values, made by the
same shared rules (sync/base/activity), for the signed-in facilitator's scope only."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl

from sync.base.activity.vocabulary import columns
from sync.hub import scopes
from sync.hub.auth import create_facilitator
from tests.sync_tests.test_hub_scopes import PASSWORD, sign_in
from tests.sync_tests.test_merge import lesson, make
from tests.sync_tests.test_set_aside import hub_kiosk

CENTRE_A, CENTRE_B = "Espace numérique Quimperlé", "Centre social Belleville"
MONDAY, TUESDAY = datetime(2026, 11, 2, 10, 0), datetime(2026, 11, 3, 15, 0)
PERIOD = "from=2026-11-01&to=2026-11-30"


def at(moment: datetime, minutes: int = 0) -> int:
    return int(moment.timestamp() * 1000) + minutes * 60_000


def learner_with_lessons(kiosk, uuid: str, name: str, lessons: list[tuple[str, int, bool, datetime]]) -> None:
    """A learner of `kiosk` who completed each (lesson, seconds, with help, when) given."""
    batch = [make(1, "learner.created", {"name": name, "picture": "sun", "prefs": {}}, at(MONDAY), uuid)]
    for seq, (key, seconds, helped, when) in enumerate(lessons, start=2):
        batch.append(make(seq, "lesson.progressed", lesson(4, "completed", seconds, helped, key), at(when, seq), uuid))
    assert kiosk.batch(batch).status_code == 200


def two_centres(hub):
    """Aziza at centre A (two lessons on Monday, one with help); Bruno at B (Monday alone, Tuesday with help)."""
    a, b = hub_kiosk(hub, CENTRE_A), hub_kiosk(hub, CENTRE_B)
    learner_with_lessons(a, "a0000000-0000-4000-8000-000000000001", "Aziza",
                         [("basics-mouse", 300, False, MONDAY), ("basics-keys", 420, True, MONDAY)])
    learner_with_lessons(b, "b0000000-0000-4000-8000-000000000002", "Bruno",
                         [("basics-mouse", 590, False, MONDAY), ("basics-keys", 60, True, TUESDAY)])
    hub.query(lambda: [create_facilitator("centre-b", PASSWORD, scopes.Scope(centres=frozenset({CENTRE_B}))),
                       create_facilitator("national", PASSWORD, scopes.NATIONAL)])


def csv_rows(browser, url: str) -> list[dict]:
    answer = browser.get(url, timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv"), answer.text
    assert answer.headers["Content-Disposition"].endswith("relais-activites-2026-11-01-2026-11-30.csv")
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))


def test_a_centre_facilitator_exports_only_their_centres_learners_in_the_coops_words(hub):
    two_centres(hub)
    mine = csv_rows(sign_in(hub, "centre-b"), f"{hub.url}/activity?file=csv&{PERIOD}&centre={CENTRE_A}")
    assert list(mine[0]) == [column.label for column in columns()]
    assert [(r["Date"], r["Bénéficiaire"], r["Durée (min)"], r["Type"], r["Niveau d’autonomie (ou de l’atelier)"])
            for r in mine] == [("02/11/2026", "Bruno", "10", "Accompagnement individuel", "Autonome"),
                               ("03/11/2026", "Bruno", "1", "Accompagnement individuel", "Avec guidage")]
    assert {r["Canaux d’accompagnement"] for r in mine} == {"Lieu d’activité"}
    everyone = csv_rows(sign_in(hub, "national"), f"{hub.url}/activity?file=csv&{PERIOD}")
    assert [(r["Bénéficiaire"], r["Durée (min)"], r["Niveau d’autonomie (ou de l’atelier)"]) for r in everyone] == [
        ("Aziza", "12", "Autonome avec guidage en cas de besoin"), ("Bruno", "10", "Autonome"), ("Bruno", "1", "Avec guidage")]


def test_the_hub_export_takes_the_chosen_place_device_and_codes_and_refuses_a_bad_period(hub):
    two_centres(hub)
    browser = sign_in(hub, "national")
    answer = browser.get(f"{hub.url}/activity?file=xlsx&{PERIOD}&centre={CENTRE_A}&place=a_distance"
                         "&device=tablette&values=codes", timeout=10)
    assert answer.status_code == 200, answer.text
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    header, *body = [list(row) for row in sheet.iter_rows(values_only=True)]
    row = dict(zip(header, body[0]))
    assert len(body) == 1 and row["Date"].date() == date(2026, 11, 2) and row["Bénéficiaire"] == "Aziza"
    assert (row["Canaux d’accompagnement"], row["Matériel numérique utilisé"], row["Type"]) == (
        "a_distance", "tablette", "individuel")
    assert row["Niveau d’autonomie (ou de l’atelier)"] == "partiellement_autonome"
    refused = browser.get(f"{hub.url}/activity?file=csv&from=2026-11-30&to=2026-11-01", timeout=10)
    assert refused.status_code == 400 and "at most a year apart" in refused.text
    page = browser.get(f"{hub.url}/activity", timeout=10)
    assert page.status_code == 200 and CENTRE_A in page.text and "Lieu d’activité" in page.text
