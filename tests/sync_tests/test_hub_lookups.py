"""Two lookups that must not read a whole table on a national hub: an xAPI statement by its id, a learner by name."""
from __future__ import annotations

import uuid

import requests

from sync.hub import reports, scopes
from sync.hub.auth import create_facilitator
from sync.hub.db import database, is_postgres
from sync.hub.migrations import m0012_name_search_and_statement_ids as m0012
from sync.hub.migrations import m0013_statement_ids_at_ingest as m0013
from sync.hub.models import Kiosk, LearnerSummary, StatementRef
from sync.hub.summaries import name_key
from tests.sync_tests.test_hub_scale import CENTRE_A, CENTRE_B, PASSWORD, Learning
from tests.sync_tests.test_set_aside import hub_kiosk

XAPI = {"X-Experience-API-Version": "1.0.3"}


def statement(hub, statement_id: str, who: str) -> requests.Response:
    return requests.get(hub.url + "/xapi/statements", params={"statementId": statement_id}, headers=XAPI,
                        auth=(who, PASSWORD), timeout=10)


def test_a_statement_is_found_by_its_id_through_the_table_of_ids_and_only_in_its_scope(hub):
    a, b = Learning(hub_kiosk(hub, CENTRE_A)), Learning(hub_kiosk(hub, CENTRE_B))
    who, events = a.learner("Awa")
    quiz = a.event("quiz.attempted", {"attempt": str(uuid.uuid4()), "lesson": "basics-mouse", "course": "basics",
                                      "score": 1, "total": 2, "passed": False, "correct": [True, False]}, who)
    a.send(events + [quiz])
    b.send(b.learner("Binta")[1])
    # Ingest wrote every statement's id with its event, in the same transaction: before any lookup.
    held = hub.query(lambda: {r.statement_id: r.event_row for r in StatementRef.select()})
    hub.query(lambda: (create_facilitator("national", PASSWORD),
                       create_facilitator("centre-b", PASSWORD, scopes.Scope(centres=frozenset({CENTRE_B})))))
    listed = requests.get(hub.url + "/xapi/statements", headers=XAPI, auth=("national", PASSWORD), timeout=10).json()
    assert {s["id"] for s in listed["statements"]} == set(held)
    ours = [s for s in listed["statements"] if s["context"]["extensions"] and s["actor"]["account"]["name"] == who]
    assert len(ours) == 6                                   # 2 lessons, a quiz twice: 1 + 2 answers
    for one in ours:
        assert statement(hub, one["id"], "national").json() == one
        assert statement(hub, one["id"], "centre-b").status_code == 404          # like an unknown id
    assert statement(hub, str(uuid.uuid4()), "national").status_code == 404
    # Sending the same batch again (a kiosk that never heard the answer) records nothing twice.
    a.send(events + [quiz])
    assert hub.query(lambda: {r.statement_id: r.event_row for r in StatementRef.select()}) == held


def test_migration_13_records_the_ids_of_events_that_came_while_only_lookups_recorded_them(hub):
    """Between versions 12 and 13 ingest wrote no ids: a hub upgraded then finds every statement at once."""
    a = Learning(hub_kiosk(hub, CENTRE_A))
    a.send(a.learner("Awa")[1])
    held = hub.query(lambda: {r.statement_id: r.event_row for r in StatementRef.select()})
    assert len(held) == 3                                   # two lessons and a quiz
    hub.query(lambda: (StatementRef.delete().execute(),          # as a hub at version 12 left them
                       create_facilitator("national", PASSWORD)))
    assert all(statement(hub, sid, "national").status_code == 404 for sid in held)     # a lookup reads, only
    hub.query(lambda: m0013.apply(database.obj))
    assert hub.query(lambda: {r.statement_id: r.event_row for r in StatementRef.select()}) == held
    assert all(statement(hub, sid, "national").status_code == 200 for sid in held)


def many_learners(count: int) -> None:
    people = [{"learner_uuid": str(uuid.uuid4()), "kiosk_id": "k", "centre": f"Centre {n % 40:02d}",
               "name": f"Apprenant {n:05d}", "name_key": name_key(f"Apprenant {n:05d}")} for n in range(count)]
    people.append({"learner_uuid": str(uuid.uuid4()), "kiosk_id": "k", "centre": "Centre 07", "name": "Zoé 100%_vrai",
                   "name_key": name_key("Zoé 100%_vrai")})
    for start in range(0, len(people), 1000):
        LearnerSummary.insert_many(people[start:start + 1000]).execute()


def test_finding_a_learner_by_name_is_served_by_a_trigram_index_on_postgresql(hub):
    hub.query(lambda: (many_learners(5000), Kiosk.insert(id="k", centre="Centre 07", secret="s", enrolled_at=1).execute()))
    found = hub.query(lambda: reports.learner_page(scopes.NATIONAL, find="PRENANT 0421", size=50))
    assert [r["name"] for r in found.rows] == [f"Apprenant {n:05d}" for n in range(4210, 4220)]
    assert [r["name"] for r in hub.query(lambda: reports.learner_page(scopes.NATIONAL, find="0%_v").rows)] == \
        ["Zoé 100%_vrai"]                                   # % and _ are letters
    assert hub.query(lambda: reports.learner_page(scopes.NATIONAL, find="0%_x").rows) == []
    centre = scopes.Scope(centres=frozenset({"Centre 07"}))
    assert [r["name"] for r in hub.query(lambda: reports.learner_page(centre, find="zoé").rows)] == ["Zoé 100%_vrai"]
    if not hub.query(is_postgres):
        return
    assert hub.query(lambda: database.execute_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").fetchone())

    def plan() -> str:
        """The page's own query for one rare name (as a real name is, among 340,000), its plan without seq scans."""
        sql, params = reports.S.select().where(reports._holding("zoé 100")).order_by(*reports.ORDER) \
            .limit(51).sql()
        database.execute_sql("VACUUM ANALYZE learner_summary")     # as autovacuum does: names move out of GIN's pending list
        with database.atomic():
            database.execute_sql("SET LOCAL enable_seqscan = off")
            return "\n".join(r[0] for r in database.execute_sql("EXPLAIN " + sql, params).fetchall())
    assert "learner_summary_name_trgm" in hub.query(plan)


def test_migration_12_succeeds_without_the_index_when_pg_trgm_cannot_be_created_and_search_still_works(hub):
    hub.query(lambda: many_learners(50))
    if not hub.query(is_postgres):
        assert hub.query(lambda: m0012.name_search(database.obj)) is False       # SQLite: its LIKE, as before
        return

    def refused():
        """pg_trgm gone and its creation failing (an object in its way, as a role without the right would):
        then undone."""
        with database.atomic() as transaction:
            database.execute_sql("DROP EXTENSION pg_trgm CASCADE")
            database.execute_sql("CREATE FUNCTION similarity(text, text) RETURNS real LANGUAGE sql AS 'SELECT 0::real'")
            made = m0012.name_search(database.obj)
            indexes = {i.name for i in database.get_indexes("learner_summary")}
            names = [r["name"] for r in reports.learner_page(scopes.NATIONAL, find="zoé").rows]
            transaction.rollback()
        return made, indexes, names
    made, indexes, names = hub.query(refused)
    assert made is False and "learner_summary_name_trgm" not in indexes and names == ["Zoé 100%_vrai"]
