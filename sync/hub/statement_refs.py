"""Which event gives an xAPI statement: `GET /xapi/statements?statementId=` reads one row, never the events.

Statement ids are derived from event ids one way (uuid5, sync/hub/xapi.py), so they cannot be turned back
into an event id: the table `statement_ref` keeps each id with its event's row. Ingest writes them in the
transaction that stores the event (sync/hub/ingest.py), so an event and its ids are committed together,
whatever order the transactions of several hub processes commit in; migrations 12 and 13 recorded the ids
of the events held before. A lookup reads two rows.
"""
from __future__ import annotations

from . import bulk
from .models import Event, StatementRef
from .xapi import mapped_events, statement_ids


def record(stored: list[tuple[int, str, str, str | None]]) -> int:
    """Keep the statement ids of these stored events, given as (row, id, type, payload); how many ids."""
    rows = [(sid, row) for row, event_id, type_, payload in stored for sid in statement_ids(event_id, type_, payload)]
    if rows:
        bulk.insert(StatementRef, ["statement_id", "event_row"], rows, "ON CONFLICT DO NOTHING")
    return len(rows)


def event_row(statement_id: str) -> int | None:
    """The row of the event giving this statement, if the table holds it."""
    return StatementRef.select(StatementRef.event_row).where(StatementRef.statement_id == statement_id).scalar()


def find(statement_id: str, scope) -> Event | None:
    """The event of `scope` giving this statement (None: unknown, outside the scope, or erased since)."""
    row = event_row(statement_id)
    return None if row is None else mapped_events(scope).where(Event.row == row).first()
