"""Which events the hub holds, by id and by place in a kiosk's sequence: the duplicate check's tables.

Both name a kiosk by its number in `kiosk_number` (migration 15 on SQLite; 11 on PostgreSQL). On SQLite
the events table is unique on id and on (kiosk, epoch, seq) itself. On PostgreSQL the events table is
partitioned by month, so those keys live in `event_seen` (migration 11): the acknowledgement's walk and
the duplicate check read it, never the partitions. Since migration 14 it also gives each event's row, so
the partitions need no index on the event's id.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import bulk
from .db import database, is_postgres
from .models import Event, EventSeen, KioskNumber


@dataclass(frozen=True)
class Places:
    """Where one kiosk's places are kept: the table, its kiosk column and this kiosk's value there."""

    table: str
    column: str
    key: int


def of(kiosk_id: str) -> Places:
    """The places of `kiosk_id` (call it under the kiosk's ingest lock: a new kiosk gets its number)."""
    return Places(bulk.table(EventSeen if is_postgres() else Event), "kiosk", _number(kiosk_id))


def _number(kiosk_id: str) -> int:
    found = KioskNumber.select(KioskNumber.number).where(KioskNumber.kiosk_id == kiosk_id).scalar()
    if found is not None:
        return found
    return bulk.insert(KioskNumber, ["kiosk_id"], [(kiosk_id,)],
                       "ON CONFLICT (kiosk_id) DO UPDATE SET kiosk_id = EXCLUDED.kiosk_id RETURNING number")[0][0]


def claim(places: Places, events: list[dict]) -> dict[str, int] | None:
    """On PostgreSQL, claim the events' ids and places: the ids claimed now, with the row each event is to take
    in `event` (None on SQLite: the insert decides)."""
    if not is_postgres():
        return None
    # Four arrays rather than 4 × 500 parameters: fewer values to bind and parse (measured −25 %).
    columns = [[e["epoch"] for e in events], [e["seq"] for e in events], [e["id"] for e in events]]
    return dict(database.execute_sql(
        f'INSERT INTO "{bulk.table(EventSeen)}" (kiosk, epoch, seq, id) SELECT %s, unnest(%s::integer[]), '
        'unnest(%s::bigint[]), unnest(%s::uuid[]) ON CONFLICT DO NOTHING RETURNING id, "row"',
        [places.key, *columns]).fetchall())


@dataclass(frozen=True)
class Found:
    """An event the hub holds, found by its id: whether it came from this kiosk, its place and its row."""

    mine: bool
    epoch: int
    seq: int
    row: int | None


def found(places: Places, ids: list[str]) -> dict[str, Found]:
    """Of `ids` (valid uuids), those the hub holds from any kiosk. On PostgreSQL `event_seen` answers, also for
    events whose rows left with an old partition (docs/hub-storage.md); on SQLite the events table."""
    if not ids:
        return {}
    if is_postgres():
        query = EventSeen.select(EventSeen.id, EventSeen.kiosk, EventSeen.epoch, EventSeen.seq, EventSeen.row) \
            .where(EventSeen.id.in_(ids)).tuples()
    else:
        query = Event.select(Event.id, Event.kiosk, Event.epoch, Event.seq, Event.row) \
            .where(Event.id.in_(ids)).tuples()
    return {str(event_id): Found(kiosk == places.key, epoch, seq, row) for event_id, kiosk, epoch, seq, row in query}


def rows(ids: list[str]) -> list[int]:
    """The rows in `event` of the events with these ids (valid uuids) that are still there."""
    if not ids:
        return []
    if is_postgres():
        return [r for (r,) in EventSeen.select(EventSeen.row).where(EventSeen.id.in_(ids)).tuples() if r is not None]
    return [r for (r,) in Event.select(Event.row).where(Event.id.in_(ids)).tuples()]


def held(places: Places, seqs: list[int]) -> set[tuple[int, int]]:
    """The (epoch, seq) among `seqs` (any epoch) this kiosk's events already hold."""
    if not seqs:
        return set()
    mark = database.param
    return set(database.execute_sql(
        f'SELECT epoch, seq FROM "{places.table}" WHERE {places.column} = {mark} AND seq IN '
        f'({", ".join([mark] * len(seqs))})', [places.key, *seqs]).fetchall())


def following(places: Places, epoch: int, after: int) -> tuple[str, list]:
    """SQL (and its parameters) for the seqs held in `epoch` after `after`, to UNION with the set-aside ones."""
    mark = database.param
    return (f'SELECT seq FROM "{places.table}" WHERE {places.column} = {mark} AND epoch = {mark} AND seq > {mark}',
            [places.key, epoch, after])
