"""Fewer bytes per event: no digest, short types and payloads, and on PostgreSQL no index on the id.

- The digest is no longer kept (32 bytes and more a row): a resent event is compared with the fields
  stored, which are every field the digest was made of (sync/hub/ingest.py). Both databases drop it.
- Event types are kept as short codes (sync/hub/event_forms.py), the events held included. Payloads
  are written from now on in the positional form of the same module; payloads already held stay as
  JSON, which the hub reads as before (the two forms never look alike).
- PostgreSQL: `event_seen` gets each event's `row`, taken there from the events' sequence when a batch
  claims its places, so reads by id (the duplicate check, cards' quiz answers) go through `event_seen`'s
  unique id and the row index: the partitions lose their index on `id`. `event` is made again with its
  columns in an order that wastes no alignment padding, and its rows moved over in arrival order,
  keeping their `row`; a partition is made for each month holding events, as migration 11 did.
- SQLite: the one events table keeps its keys; the digest goes and the types are recoded.
"""
from __future__ import annotations

import peewee as pw

from .. import partitions
from ..event_forms import recoded_types_sql

NUMBER = 14

# Fixed-width columns first, widest first, then the variable ones: no padding between them.
COLUMNS = "row, seq, received_at, epoch, id, learner_uuid, kiosk_id, hlc, type, payload"


def apply(db):
    if not isinstance(db, pw.PostgresqlDatabase):
        db.execute_sql('ALTER TABLE "event" DROP COLUMN digest')
        db.execute_sql(f'UPDATE "event" SET type = {recoded_types_sql()}')
        return
    sequence = db.execute_sql("SELECT pg_get_serial_sequence('event', 'row')").fetchone()[0]
    _seen_with_rows(db, sequence)
    _events_again(db, sequence)


def _seen_with_rows(db, sequence: str) -> None:
    """`event_seen` made again with each event's row (null where the event's partition was archived)."""
    db.execute_sql("CREATE TABLE event_seen_14 (kiosk INTEGER NOT NULL, epoch INTEGER NOT NULL, seq BIGINT NOT NULL, "
                   f"row BIGINT DEFAULT nextval('{sequence}'), id UUID NOT NULL)")
    db.execute_sql("INSERT INTO event_seen_14 (kiosk, epoch, seq, row, id) SELECT s.kiosk, s.epoch, s.seq, e.row, s.id "
                   'FROM event_seen AS s LEFT JOIN "event" AS e ON e.id = s.id ORDER BY s.kiosk, s.epoch, s.seq')
    db.execute_sql("DROP TABLE event_seen")
    db.execute_sql("ALTER TABLE event_seen_14 RENAME TO event_seen")
    db.execute_sql("ALTER TABLE event_seen ADD PRIMARY KEY (kiosk, epoch, seq), ADD UNIQUE (id)")


def _events_again(db, sequence: str) -> None:
    """`event` made again without digest, in the new column order, with its months and indexes but `id`'s."""
    old = [name for (name,) in db.execute_sql("SELECT relid::text FROM pg_partition_tree('event') WHERE isleaf")]
    for name in ("event_row", "event_id", "event_learner_uuid"):
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    db.execute_sql('ALTER TABLE "event" RENAME TO event_before_14')
    for name in old:                                  # their names are the new table's to take
        db.execute_sql(f'ALTER TABLE "{name}" RENAME TO "{name}_before_14"')
    db.execute_sql(f"CREATE TABLE \"event\" (row BIGINT NOT NULL DEFAULT nextval('{sequence}'), seq BIGINT NOT NULL, "
                   "received_at DOUBLE PRECISION NOT NULL, epoch INTEGER NOT NULL, id UUID NOT NULL, "
                   "learner_uuid UUID, kiosk_id TEXT NOT NULL, hlc TEXT NOT NULL, type TEXT NOT NULL, payload TEXT) "
                   "PARTITION BY RANGE (received_at)")
    db.execute_sql(f'ALTER SEQUENCE {sequence} OWNED BY "event".row')
    partitions.make_for_rows(db, "event_before_14")              # a partition for each month holding events
    db.execute_sql(f'INSERT INTO "event" ({COLUMNS}) SELECT row, seq, received_at, epoch, id, learner_uuid, kiosk_id, '
                   f'hlc, {recoded_types_sql()}, payload FROM event_before_14 ORDER BY row')
    db.execute_sql("DROP TABLE event_before_14")
    for column in ("row", "learner_uuid"):
        db.execute_sql(f'CREATE INDEX "event_{column}" ON "event" ({column})')
