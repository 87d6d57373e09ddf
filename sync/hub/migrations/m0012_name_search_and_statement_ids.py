"""Find a learner by name through a trigram index on PostgreSQL, and find an xAPI statement by its id in one read.

- PostgreSQL: `CREATE EXTENSION IF NOT EXISTS pg_trgm` (a trusted extension since PostgreSQL 13: the
  database's owner may create it), then a GIN trigram index on `learner_summary.name_key`, which serves
  the learners page's `ILIKE '%…%'`. When the hub's role may not create the extension (or the server
  lacks it), the migration still succeeds without the index and the search reads the scope's rows, as
  before; `CREATE INDEX learner_summary_name_trgm ON learner_summary USING gin (name_key gin_trgm_ops)`
  can be run later by hand once someone who may has created the extension. SQLite: nothing for the search.
- Both: `statement_ref`, one row per xAPI statement id and the event row that gives it (ids are derived
  from event ids one way, sync/hub/xapi.py), filled here from the events held (sync/hub/statement_refs.py
  keeps it up to date).
"""
from __future__ import annotations

import peewee as pw

from ..event_forms import expand, type_code, type_name   # a type and payload in either form (migration 14)
from ..xapi import MAPPED, statement_ids  # the one rule for a statement's id, here, at export and at every lookup
from .frozen import FrozenModel, create_tables

NUMBER = 12
CHUNK = 1000
TRIGRAM_INDEX = "CREATE INDEX IF NOT EXISTS learner_summary_name_trgm ON learner_summary USING gin (name_key gin_trgm_ops)"


class Uuid(pw.Field):
    field_type = "UUID"          # native uuid on PostgreSQL, text on SQLite


class StatementRef(FrozenModel):
    statement_id = Uuid(primary_key=True)
    event_row = pw.BigIntegerField(index=True)


MODELS = [StatementRef]


def apply(db):
    create_tables(db, MODELS)
    _statement_ids(db)
    name_search(db)


def name_search(db) -> bool:
    """On PostgreSQL with pg_trgm (created here when this role may), the trigram index on names; whether it is there."""
    if isinstance(db, pw.PostgresqlDatabase) and _trigrams(db):
        db.execute_sql(TRIGRAM_INDEX)
        return True
    return False


def _trigrams(db) -> bool:
    """Whether pg_trgm is there, creating it when this role may (in a savepoint: a refusal leaves the migration whole)."""
    try:
        with db.atomic():
            db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except pw.DatabaseError:
        pass
    return db.execute_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").fetchone() is not None


def _statement_ids(db) -> None:
    """A row of statement_ref for every statement the events held give, read in chunks of arrival order."""
    mark, after = db.param, 0
    while True:
        rows = db.execute_sql(f'SELECT "row", id, type, payload FROM "event" WHERE "row" > {mark} AND payload IS NOT NULL '
                              f'AND type IN ({", ".join([mark] * 2 * len(MAPPED))}) ORDER BY "row" LIMIT {CHUNK}',
                              [after, *MAPPED, *map(type_code, MAPPED)]).fetchall()
        if not rows:
            return
        after = rows[-1][0]
        found = [(sid, row) for row, event_id, type_, payload in rows
                 for sid in statement_ids(str(event_id), type_name(type_), expand(payload))]
        if found:
            with db.bind_ctx([StatementRef]):
                StatementRef.insert_many(found, fields=[StatementRef.statement_id, StatementRef.event_row]) \
                    .on_conflict_ignore().execute()
