"""The events table for a hub at scale, on PostgreSQL: native types, monthly partitions, a narrow key table.

- `id` and `learner_uuid` become `uuid` (16 bytes instead of 37), `digest` `bytea` (32 instead of 65).
  `kiosk_id` stays text in the events table: the scope rules compare it with `kiosk.id`, a text column.
- `event` becomes a table partitioned by month of `received_at` (sync/hub/partitions.py makes the
  months ahead; a DEFAULT partition takes any other row).
- A unique index on a partitioned table must include the partition key, so it could not see a resend
  arriving in another month. Duplicate detection therefore lives in `event_seen` (kiosk number, epoch,
  seq, id), not partitioned, with both unique keys, written in the same transaction as the event; it
  also carries the acknowledgement's walk over a kiosk's sequence. Kiosks get a number for it in
  `kiosk_number` (4 bytes in every key instead of a 36-character id).
- Every event held is moved over, in arrival order, keeping its `row`; the old table is dropped.

On SQLite nothing changes: the one events table keeps its unique keys (docs/hub-storage.md).
"""
from __future__ import annotations

import peewee as pw

from .. import partitions

NUMBER = 11

COLUMNS = ("row, id, kiosk_id, epoch, seq, digest, learner_uuid, hlc, type, payload, received_at")


def apply(db):
    if not isinstance(db, pw.PostgresqlDatabase):
        return
    db.execute_sql("DROP TABLE IF EXISTS event_seen, kiosk_number")      # only ever this migration's own
    db.execute_sql("CREATE TABLE kiosk_number (number SERIAL PRIMARY KEY, kiosk_id TEXT NOT NULL UNIQUE)")
    db.execute_sql('INSERT INTO kiosk_number (kiosk_id) SELECT id FROM (SELECT id FROM kiosk UNION '
                   'SELECT kiosk_id FROM "event") AS known ORDER BY id')
    db.execute_sql("CREATE TABLE event_seen (kiosk INTEGER NOT NULL, epoch INTEGER NOT NULL, seq BIGINT NOT NULL, "
                   "id UUID NOT NULL, PRIMARY KEY (kiosk, epoch, seq), UNIQUE (id))")
    sequence = db.execute_sql("SELECT pg_get_serial_sequence('event', 'row')").fetchone()[0]
    db.execute_sql('ALTER TABLE "event" RENAME TO event_before_12')
    db.execute_sql(f'CREATE TABLE "event" (row BIGINT NOT NULL DEFAULT nextval(\'{sequence}\'), id UUID NOT NULL, '
                   "kiosk_id TEXT NOT NULL, epoch INTEGER NOT NULL, seq BIGINT NOT NULL, digest BYTEA NOT NULL, "
                   "learner_uuid UUID, hlc TEXT NOT NULL, type TEXT NOT NULL, payload TEXT, "
                   "received_at DOUBLE PRECISION NOT NULL) PARTITION BY RANGE (received_at)")
    db.execute_sql(f'ALTER SEQUENCE {sequence} OWNED BY "event".row')
    partitions.make_for_rows(db, "event_before_12")              # a partition for each month holding events
    db.execute_sql(f'INSERT INTO "event" ({COLUMNS}) SELECT row, id::text::uuid, kiosk_id, epoch, seq, '
                   "decode(digest, 'hex'), NULLIF(learner_uuid::text, '')::uuid, hlc, type, payload, received_at "
                   "FROM event_before_12 ORDER BY row")
    db.execute_sql("INSERT INTO event_seen (kiosk, epoch, seq, id) SELECT n.number, e.epoch, e.seq, e.id::text::uuid "
                   "FROM event_before_12 AS e JOIN kiosk_number AS n ON n.kiosk_id = e.kiosk_id")
    db.execute_sql("DROP TABLE event_before_12")
    for columns in ("row", "id", "learner_uuid"):
        db.execute_sql(f'CREATE INDEX "event_{columns}" ON "event" ({columns})')
