"""The events table's monthly partitions on PostgreSQL, made ahead of time by the hub itself.

Migration 11 partitions `event` by month of `received_at` (the hub's clock, so months fill one after
the other) and makes a DEFAULT partition for any row outside them. Each hub process, when it opens
its database and at ingest, makes sure the current month and the next `AHEAD` months have their
partition, so rows never wait for an operator. Several processes may do it at once: the work is done
under an advisory lock with CREATE TABLE IF NOT EXISTS. Nothing here imports the hub's database
module (migration 11 uses it while that module is being imported): the database is passed in.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

import peewee

AHEAD = 2                     # months made beyond the current one
LOCK_KEY = 0x52454C50         # "RELP": one advisory lock for every hub process making partitions
PARENT = "event"
log = logging.getLogger(__name__)

# A cache of a fact that only grows: partitions exist up to this Unix time. Losing it (another process,
# a restart) only costs one catalogue check; it is never a reason to skip a partition another process
# dropped, since the DEFAULT partition still takes the rows.
_ready_until = 0.0
_guard = threading.Lock()


def month_start(when: float, plus: int = 0) -> datetime:
    """The first instant (UTC) of the month holding `when`, moved by `plus` months."""
    day = datetime.fromtimestamp(when, UTC)
    index = day.year * 12 + day.month - 1 + plus
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def name(start: datetime) -> str:
    return f"{PARENT}_y{start.year}m{start.month:02d}"


def make(db: peewee.Database, first: float, last: float) -> list[str]:
    """Create the monthly partitions from the month of `first` to the month of `last`; their names."""
    made, start = [], month_start(first)
    while start <= month_start(last):
        end = month_start(start.timestamp(), 1)
        try:
            with db.atomic():
                db.execute_sql(f'CREATE TABLE IF NOT EXISTS "{name(start)}" PARTITION OF "{PARENT}" '
                               f"FOR VALUES FROM ({start.timestamp()}) TO ({end.timestamp()})")
            made.append(name(start))
        except peewee.DatabaseError as error:     # rows of that month already in DEFAULT: they stay there
            log.warning("events partition %s not made: %s", name(start), error)
        start = end
    return made


def make_for_rows(db: peewee.Database, held: str) -> None:
    """For a new `event` made from the table `held`: its DEFAULT partition, one for each month holding rows
    of `held` (by their `received_at`) and this month's and the next AHEAD months'."""
    db.execute_sql(f'CREATE TABLE {PARENT}_default PARTITION OF "{PARENT}" DEFAULT')
    now = time.time()
    for (day,) in db.execute_sql(f'SELECT DISTINCT floor(received_at / 86400) FROM "{held}"').fetchall():
        make(db, day * 86400, day * 86400)
    make(db, now, month_start(now, AHEAD).timestamp())


def ensure(db: peewee.Database, now: float) -> None:
    """Make this month's partition and the next AHEAD months' if this process has not seen them yet."""
    global _ready_until
    if not isinstance(db, peewee.PostgresqlDatabase) or now < _ready_until:
        return
    with _guard:
        if now < _ready_until:
            return
        with db.atomic():
            db.execute_sql(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")
            make(db, now, month_start(now, AHEAD).timestamp())
        _ready_until = month_start(now, 1).timestamp()     # next month: look again


def forget() -> None:
    """Look at the catalogue again at the next ingest (after a new database is opened)."""
    global _ready_until
    _ready_until = 0.0
