"""The hub's read side, made to stay fast with millions of events: certificates found by their code, learners'
summaries kept at ingest, the learners page a page at a time, the CSV streamed — on SQLite and PostgreSQL."""
from __future__ import annotations

import base64
import csv
import io
import json
import re
import uuid

import requests

from sync.hub import reports, scopes, summaries
from sync.hub.auth import create_facilitator
from sync.hub.db import database, is_postgres
from sync.hub.migrations import m0010_read_summaries
from sync.hub.models import Certificate, Event, KioskSummary, LearnerCourse, LearnerSummary
from tests.sync_tests.test_merge import lesson, make
from tests.sync_tests.test_set_aside import hub_kiosk

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery"
CENTRE_A, CENTRE_B = "Maison de Quimperlé", "Centre social Belleville"
SUMMARY_TABLES = (Certificate, LearnerSummary, LearnerCourse, KioskSummary)


class Learning:
    """Batches of hand-made events for one kiosk, each with the kiosk's next sequence numbers."""

    def __init__(self, raw):
        self.raw, self.seq, self.clock = raw, 0, 1000

    def event(self, type_, payload, learner):
        self.seq, self.clock = self.seq + 1, self.clock + 1000
        return make(self.seq, type_, payload, self.clock, learner)

    def learner(self, name: str, code: str | None = None) -> tuple[str, list[dict]]:
        """A learner who completes a lesson alone and one with help, passes a quiz, maybe earns a certificate."""
        who = str(uuid.uuid4())
        quiz = {"attempt": str(uuid.uuid4()), "lesson": "basics-mouse", "course": "basics", "score": 3, "total": 3,
                "passed": True}
        events = [self.event("learner.created", {"name": name, "picture": "sun", "prefs": {}}, who),
                  self.event("lesson.completed", lesson(4, "completed", 60), who),
                  self.event("lesson.completed", lesson(2, "completed", 120, True, "basics-reading"), who),
                  self.event("quiz.attempted", quiz, who)]
        if code:
            events.append(self.event("certificate.issued", {"code": code, "course": "basics", "name": name,
                                                            "centre": "Quimperlé", "issued_at": 1_700_000_000}, who))
        return who, events

    def send(self, events):
        answer = self.raw.batch(events)
        assert answer.status_code == 200, answer.text
        return answer.json()


def signed_in(hub, name: str, scope: scopes.Scope) -> requests.Session:
    hub.query(lambda: create_facilitator(name, PASSWORD, scope))
    browser = requests.Session()
    token = CSRF.search(browser.get(hub.url + "/login", timeout=10).text).group(1)
    answer = browser.post(hub.url + "/login", data={"name": name, "password": PASSWORD, "csrf_token": token},
                          timeout=10, allow_redirects=False)
    assert answer.status_code == 302
    return browser


def kept(hub) -> dict:
    """Every summary row, table by table, in a fixed order."""
    def read():
        return {m.__name__: sorted(tuple(sorted(r.items())) for r in m.select().dicts()) for m in SUMMARY_TABLES}
    return hub.query(read)


def test_a_certificate_is_checked_by_its_code_without_reading_events_and_goes_with_its_learner(hub):
    kiosk = Learning(hub_kiosk(hub, CENTRE_A))
    awa, events = kiosk.learner("Awa", "ABCD-EF12")
    kiosk.send(events)
    hub.query(lambda: Event.update(payload=None).execute())       # /verify reads the certificates table alone
    page = requests.get(hub.url + "/verify", params={"code": "abcd-ef12"}, timeout=10)
    assert page.status_code == 200 and "Awa" in page.text and "basics" in page.text
    assert requests.get(hub.url + "/verify", params={"code": "ZZZZ-ZZZZ"}, timeout=10).status_code == 404
    kiosk.send([kiosk.event("learner.erased", {}, awa)])
    assert requests.get(hub.url + "/verify", params={"code": "ABCD-EF12"}, timeout=10).status_code == 404


def test_summaries_are_the_merged_state_whatever_the_batches_resends_renames_and_erasures(hub):
    one, two = Learning(hub_kiosk(hub, CENTRE_A)), Learning(hub_kiosk(hub, CENTRE_A))
    awa, awa_events = one.learner("Awa", "AWAA-0001")
    bea, bea_events = one.learner("Béa")
    cyd, cyd_events = two.learner("Cyd")
    one.send(awa_events[:2])
    one.send(awa_events[:2] + awa_events[2:] + bea_events)         # a resend inside a later batch
    assert one.send(bea_events)["stored"] == 0                     # a resend alone changes nothing
    two.send(cyd_events + [two.event("learner.renamed", {"name": "Cydonie"}, cyd)])
    rows = {r["name"]: r for r in hub.query(lambda: list(LearnerSummary.select().dicts()))}
    assert sorted(rows) == ["Awa", "Béa", "Cydonie"] and rows["Cydonie"]["name_key"] == "cydonie"
    awa_row = rows["Awa"]
    assert (awa_row["lessons_completed"], awa_row["done_alone"], awa_row["done_with_help"], awa_row["seconds"],
            awa_row["quiz_attempts"], awa_row["quizzes_passed"], awa_row["certificates"]) == (2, 1, 1, 180, 1, 1, 1)
    assert awa_row["centre"] == CENTRE_A and awa_row["last_seen"] == 6.0
    before = kept(hub)
    hub.query(lambda: summaries.refresh({awa, bea, cyd}))          # recomputed from scratch: the same rows
    assert kept(hub) == before
    one.send([one.event("learner.erased", {}, bea)])
    boards = hub.query(lambda: {r.kiosk_id: (r.learners, r.lessons_completed, r.certificates)
                                for r in KioskSummary.select()})
    assert sorted(boards.values()) == [(1, 2, 0), (1, 2, 1)]        # Béa's totals left with her


def test_the_learners_page_goes_a_page_at_a_time_finds_by_name_and_stays_in_its_scope(hub):
    a, b = Learning(hub_kiosk(hub, CENTRE_A)), Learning(hub_kiosk(hub, CENTRE_B))
    names = [f"Élève {n:02d}" for n in range(7)]
    a.send([e for name in names for e in a.learner(name)[1]])
    b.send(b.learner("Zoé de Belleville")[1])
    centre_a = scopes.Scope(centres=frozenset({CENTRE_A}))
    seen, cursor, pages = [], "", []
    while True:
        page = hub.query(lambda at=cursor: reports.learner_page(centre_a, cursor=at, size=3))
        pages.append(page)
        seen += [r["name"] for r in page.rows]
        if not page.next:
            break
        cursor = page.next
    assert seen == names and [len(p.rows) for p in pages] == [3, 3, 1] and pages[0].previous is None
    back = hub.query(lambda: reports.learner_page(centre_a, cursor=pages[-1].previous, size=3))
    assert back.rows == pages[1].rows and back.previous and back.next
    assert hub.query(lambda: reports.learner_page(centre_a, cursor="<nonsense", size=3)).rows == pages[0].rows
    found = hub.query(lambda: reports.learner_page(centre_a, find="ÉLÈVE 0", size=3))
    assert len(found.rows) == 3 and found.next
    assert hub.query(lambda: reports.learner_page(centre_a, find="%", size=3)).rows == []     # % is a letter here
    browser = signed_in(hub, "centre-b", scopes.Scope(centres=frozenset({CENTRE_B})))
    page = browser.get(hub.url + "/learners", params={"find": "zoé"}, timeout=10).text
    assert "Zoé de Belleville" in page and "Élève" not in browser.get(hub.url + "/learners", timeout=10).text
    nul_cursor = ">" + base64.urlsafe_b64encode(json.dumps(["\x00", "", ""]).encode()).decode()
    for odd in ({"find": "zo\x00é"}, {"page": nul_cursor}, {"page": "<%%%"}):      # never a 500 on PostgreSQL
        assert browser.get(hub.url + "/learners", params=odd, timeout=10).status_code == 200
    board = browser.get(hub.url + "/dashboard", timeout=10).text
    assert CENTRE_B in board and CENTRE_A not in board


def test_the_learners_csv_is_streamed_in_chunks_and_holds_only_the_scope(hub):
    a, b = Learning(hub_kiosk(hub, CENTRE_A)), Learning(hub_kiosk(hub, CENTRE_B))
    a.send([e for n in range(5) for e in a.learner(f"=Learner {n}")[1]])
    b.send(b.learner("Zoé")[1])
    in_chunks = hub.query(lambda: list(reports.learner_csv_rows(scopes.NATIONAL, chunk=2)))
    assert in_chunks == hub.query(lambda: list(reports.learner_csv_rows(scopes.NATIONAL)))
    assert len(in_chunks) == 6 and [r["centre"] for r in in_chunks] == [CENTRE_B] + [CENTRE_A] * 5
    browser = signed_in(hub, "centre-a", scopes.Scope(centres=frozenset({CENTRE_A})))
    answer = browser.get(hub.url + "/learners.csv", timeout=10)
    assert "Content-Length" not in answer.headers                # sent as it is read, not built first
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["name"] for r in rows] == [f"'=Learner {n}" for n in range(5)]
    assert rows[0]["lessons_completed"] == "2" and rows[0]["done_with_help"] == "1" and rows[0]["minutes"] == "3"


def test_migration_11_fills_the_summaries_of_a_hub_that_had_none_as_ingest_keeps_them(hub):
    kiosk = Learning(hub_kiosk(hub, CENTRE_A))
    for n, name in enumerate(["Awa", "Ünal", "Sami"]):
        kiosk.send(kiosk.learner(name, f"CODE-000{n}")[1])
    kiosk.send(kiosk.learner("Ingrid")[1][:1])                     # a learner with nothing done yet
    by_ingest = kept(hub)

    def rebuild():
        # Migration 10 read the events as they were then, each with its kiosk's id (migration 15 keeps its
        # number): a temporary view of that name, found before the table, shows them so.
        schema = "public" if is_postgres() else "main"
        with database.atomic():
            for model in SUMMARY_TABLES:
                database.execute_sql(f'DROP TABLE "{model._meta.table_name}"')
            database.execute_sql(f'CREATE TEMPORARY VIEW "event" AS SELECT e."row", n.kiosk_id, e.learner_uuid, '
                                 f'e.type, e.payload FROM {schema}."event" AS e '
                                 f"JOIN {schema}.kiosk_number AS n ON n.number = e.kiosk")
            m0010_read_summaries.apply(database.obj)
            database.execute_sql('DROP VIEW "event"')
    hub.query(rebuild)
    assert kept(hub) == by_ingest
