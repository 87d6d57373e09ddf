"""Statement ids recorded by ingest itself, in the transaction that stores their event.

Until this version a lookup of an unknown id caught up on the events that came since migration 12, and
re-read the last rows for events another hub process had committed late: a read that wrote, and a scan of
those rows for every unknown id asked. From now on ingest writes each event's statement ids beside it
(sync/hub/statement_refs.py), so a lookup only reads. This migration records, once, the ids of the events
that came after migration 12 and that no lookup had caught up on: it reads every event that gives
statements, as migration 12 did (an id already held is kept once). The index on `event_row` served only
the catching up, and is dropped: each statement then costs its primary key alone.
"""
from __future__ import annotations

import peewee as pw

from .frozen import FrozenModel
from .m0012_name_search_and_statement_ids import Uuid, _statement_ids

NUMBER = 13


class StatementRef(FrozenModel):
    statement_id = Uuid(primary_key=True)
    event_row = pw.BigIntegerField()


MODELS = [StatementRef]


def apply(db):
    db.execute_sql("DROP INDEX IF EXISTS statement_ref_event_row")
    _statement_ids(db)
