"""Which event gives an xAPI statement: `GET /xapi/statements?statementId=` reads one row, never the events.

Statement ids are derived from event ids one way (uuid5, sync/hub/xapi.py), so they cannot be turned back
into an event id: the table `statement_ref` keeps each id with its event's row. Migration 12 filled it
from the events held; `catch_up` adds the events that came since, from the highest row it holds on.
Rows are numbered when an event is inserted, but PostgreSQL transactions of two hub processes may commit
out of that order, so `catch_up` also looks again at the last `WINDOW` rows for events not yet recorded.
A lookup that finds its id reads two rows; one that does not catches up first, then looks again.
"""
from __future__ import annotations

import peewee as pw

from .db import database
from .models import Event, StatementRef
from .scopes import NATIONAL
from .xapi import mapped_events, statement_ids

WINDOW = 50_000            # rows looked at again: more than the hub's processes hold uncommitted at once
CHUNK = 1000


def record(events) -> int:
    """Keep the statement ids these events give (events already recorded are kept once); how many ids."""
    rows = [(sid, e.row) for e in events for sid in statement_ids(str(e.id), e.type, e.payload)]
    for start in range(0, len(rows), CHUNK):
        StatementRef.insert_many(rows[start:start + CHUNK], fields=[StatementRef.statement_id, StatementRef.event_row]) \
            .on_conflict_ignore().execute()
    return len(rows)


def catch_up() -> int:
    """Record the events that came since the last time (and any late ones near the top); how many ids."""
    top = StatementRef.select(pw.fn.MAX(StatementRef.event_row)).scalar() or 0
    unrecorded = ~pw.fn.EXISTS(StatementRef.select(pw.SQL("1")).where(StatementRef.event_row == Event.row))
    after, count = max(0, top - WINDOW), 0
    while True:
        events = list(mapped_events(NATIONAL).select(Event.row, Event.id, Event.type, Event.payload)
                      .where((Event.row > after) & unrecorded).order_by(Event.row).limit(CHUNK))
        if not events:
            return count
        with database.atomic():
            count += record(events)
        after = events[-1].row


def event_row(statement_id: str) -> int | None:
    """The row of the event giving this statement, if the table holds it."""
    return StatementRef.select(StatementRef.event_row).where(StatementRef.statement_id == statement_id).scalar()


def find(statement_id: str, scope) -> Event | None:
    """The event of `scope` giving this statement (None: unknown, outside the scope, or erased since)."""
    row = event_row(statement_id)
    if row is None and catch_up():
        row = event_row(statement_id)
    return None if row is None else mapped_events(scope).where(Event.row == row).first()
