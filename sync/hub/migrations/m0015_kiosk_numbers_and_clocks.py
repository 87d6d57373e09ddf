"""Fewer bytes per event again: the kiosk as its number, the clock in 10 bytes.

- Each event names its kiosk by the kiosk's number in `kiosk_number` (4 bytes) instead of its
  36-character id (37 bytes). On PostgreSQL `event_seen` already did (migration 11); SQLite gets the
  `kiosk_number` table now, so that both read and write events the same way. Readers that need the id
  (the xAPI statements' kiosk, a facilitator's scope) join `kiosk_number`.
- An event's hybrid logical clock is kept as 10 bytes instead of 22 characters (sync/hub/event_forms.py:
  7 bytes of wall time, 3 of counter; any other text kept as `~` and its UTF-8, read back the same).

Both databases make `event` again and move its rows over in arrival order, keeping their `row` (and so
the xAPI cursor). On PostgreSQL the new table is partitioned as migration 14 left it, with a partition for
each month holding events; its columns keep an order that wastes no alignment padding, the kiosk's
number beside `epoch`.
"""
from __future__ import annotations

import peewee as pw

from .. import partitions
from ..event_forms import clock_bytes, clock_bytes_sql
from .frozen import FrozenModel, create_tables

NUMBER = 15


class Uuid(pw.Field):
    field_type = "UUID"


class KioskNumber(FrozenModel):
    number = pw.AutoField()
    kiosk_id = pw.TextField(unique=True)


class Event(FrozenModel):
    """The events table on SQLite (on PostgreSQL it is made partitioned, below)."""

    row = pw.BigAutoField()
    id = Uuid(unique=True)
    kiosk = pw.IntegerField()
    epoch = pw.IntegerField()
    seq = pw.BigIntegerField()
    learner_uuid = Uuid(null=True, index=True)
    hlc = pw.BlobField()
    type = pw.TextField()
    payload = pw.TextField(null=True)
    received_at = pw.DoubleField()

    class Meta:
        indexes = ((("kiosk", "epoch", "seq"), True),)


MODELS = [KioskNumber, Event]

# PostgreSQL: fixed-width columns first, widest first, then the variable ones: no padding between them.
COLUMNS = "row, seq, received_at, epoch, kiosk, id, learner_uuid, hlc, type, payload"


def apply(db):
    if isinstance(db, pw.PostgresqlDatabase):
        _postgres(db)
    else:
        _sqlite(db)


def _sqlite(db) -> None:
    create_tables(db, [KioskNumber])
    _number_every_kiosk(db)
    db.execute_sql('ALTER TABLE "event" RENAME TO event_before_15')
    for index in db.get_indexes("event_before_15"):            # their names are the new table's to take
        db.execute_sql(f'DROP INDEX "{index.name}"')
    create_tables(db, [Event])
    # The clocks are recoded in Python: SQLite has no function for it, so the connection lends one.
    db.connection().create_function("relais_clock_bytes", 1, clock_bytes, deterministic=True)
    db.execute_sql('INSERT INTO "event" (row, id, kiosk, epoch, seq, learner_uuid, hlc, type, payload, received_at) '
                   "SELECT e.row, e.id, n.number, e.epoch, e.seq, e.learner_uuid, relais_clock_bytes(e.hlc), e.type, "
                   "e.payload, e.received_at FROM event_before_15 AS e JOIN kiosk_number AS n ON n.kiosk_id = e.kiosk_id "
                   "ORDER BY e.row")
    db.execute_sql("DROP TABLE event_before_15")


def _number_every_kiosk(db) -> None:
    """A number for every kiosk enrolled or named by an event held (PostgreSQL's migration 11 gave most already)."""
    db.execute_sql('INSERT INTO kiosk_number (kiosk_id) SELECT id FROM (SELECT id FROM kiosk UNION '
                   'SELECT kiosk_id FROM "event") AS known WHERE id NOT IN (SELECT kiosk_id FROM kiosk_number) '
                   'ORDER BY id')


def _postgres(db) -> None:
    _number_every_kiosk(db)
    sequence = db.execute_sql("SELECT pg_get_serial_sequence('event', 'row')").fetchone()[0]
    old = [name for (name,) in db.execute_sql("SELECT relid::text FROM pg_partition_tree('event') WHERE isleaf")]
    for name in ("event_row", "event_learner_uuid"):
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    db.execute_sql('ALTER TABLE "event" RENAME TO event_before_15')
    for name in old:                                  # their names are the new table's to take
        db.execute_sql(f'ALTER TABLE "{name}" RENAME TO "{name}_before_15"')
    db.execute_sql(f"CREATE TABLE \"event\" (row BIGINT NOT NULL DEFAULT nextval('{sequence}'), seq BIGINT NOT NULL, "
                   "received_at DOUBLE PRECISION NOT NULL, epoch INTEGER NOT NULL, kiosk INTEGER NOT NULL, "
                   "id UUID NOT NULL, learner_uuid UUID, hlc BYTEA NOT NULL, type TEXT NOT NULL, payload TEXT) "
                   "PARTITION BY RANGE (received_at)")
    db.execute_sql(f'ALTER SEQUENCE {sequence} OWNED BY "event".row')
    partitions.make_for_rows(db, "event_before_15")              # a partition for each month holding events
    db.execute_sql(f'INSERT INTO "event" ({COLUMNS}) SELECT e.row, e.seq, e.received_at, e.epoch, n.number, e.id, '
                   f"e.learner_uuid, {clock_bytes_sql('e.hlc')}, e.type, e.payload FROM event_before_15 AS e "
                   "JOIN kiosk_number AS n ON n.kiosk_id = e.kiosk_id ORDER BY e.row")
    db.execute_sql("DROP TABLE event_before_15")
    for column in ("row", "learner_uuid"):
        db.execute_sql(f'CREATE INDEX "event_{column}" ON "event" ({column})')
