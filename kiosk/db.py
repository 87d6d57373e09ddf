"""The kiosk's SQLite database: created unbound, opened in the app factory, connected per request."""
from __future__ import annotations

from pathlib import Path

import peewee
from playhouse.pool import PooledSqliteDatabase

from sync.base.database import connect_per_request, repoint
from sync.client import db as sync_db

from .migrations import migrate_to_latest

# A serving kiosk checkpoints from a thread of its own (kiosk/checkpoints.py); SQLite's own checkpoint, made
# inside the commit that takes the WAL past this many pages, is the backstop: four times its default.
AUTOCHECKPOINT_PAGES = 4000

# WAL + synchronous=FULL: measured on a simulated power cut, NORMAL lost acknowledged commits.
PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "cache_size": -1000,       # 1 MB per connection: a Pi has little memory, and each thread has one
    "temp_store": "memory",
    "wal_autocheckpoint": AUTOCHECKPOINT_PAGES,
}

# The models bind to a proxy, so the same code runs on the pooled database in production and on a
# crash-simulating one (apsw with a custom VFS) in the power-cut tests.
database = peewee.DatabaseProxy()


def pooled(path: Path) -> peewee.Database:
    """A small pool: opening a connection and setting its pragmas cost more than most kiosk requests."""
    # IMMEDIATE: a write transaction takes the write lock at BEGIN and waits (busy_timeout) for it.
    # A deferred one that read first fails at once with "database is locked" if another connection
    # (the sync thread, a second learner) committed in between.
    return PooledSqliteDatabase(str(path), pragmas=PRAGMAS, max_connections=32, stale_timeout=600,
                                check_same_thread=False, lock_type="IMMEDIATE")


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


def open_database(path: Path, factory=pooled) -> peewee.DatabaseProxy:
    """Point the shared database at a file and bring its schema up to date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    repoint(database, factory(path))
    sync_db.bind(database.obj)             # the outbox and sync tables live in the same file
    with database.connection_context():
        migrate_to_latest(database)
    return database


def init_app(app) -> None:
    connect_per_request(app, database)
