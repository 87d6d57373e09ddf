"""Timestamps in double precision on PostgreSQL.

peewee's FloatField is `REAL` on PostgreSQL: four bytes, about seven significant digits. A Unix time
near 1.8e9 is then rounded to a multiple of 128 seconds, so a lockout could end a minute early and
"last seen" was off by up to a minute. `DoubleField` is `DOUBLE PRECISION` (eight bytes). On SQLite
every REAL is already eight bytes, so nothing changes there.
"""
from __future__ import annotations

import peewee as pw

NUMBER = 5

# Every timestamp column (FloatField) of version 4, as (table, column).
COLUMNS = (
    ("facilitator", "created_at"), ("facilitator", "locked_until"),
    ("enroll_code", "created_at"), ("enroll_code", "expires_at"), ("enroll_code", "used_at"),
    ("kiosk", "enrolled_at"), ("kiosk", "last_seen"),
    ("nonce", "seen_at"),
    ("event", "received_at"),
    ("erased", "erased_at"),
    ("publication", "published_at"),
    ("kiosk_content", "asked_at"),
)


def apply(db):
    if not isinstance(db, pw.PostgresqlDatabase):
        return
    for table, column in COLUMNS:
        db.execute_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE DOUBLE PRECISION')
