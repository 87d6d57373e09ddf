"""The hub's database: SQLite in its data folder by default, PostgreSQL for several hub processes.

The models bind to a proxy that `open_database` points at one or the other; nothing else in the hub
knows which it is, except the ingest lock (see ingest.py).
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import peewee
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

from . import migrations, partitions

# As on the kiosk: WAL + synchronous=FULL, because an acknowledged batch must survive a power cut.
SQLITE_PRAGMAS = {"journal_mode": "wal", "synchronous": "full", "foreign_keys": 1,
                  "busy_timeout": 5000, "cache_size": -16000}

database = peewee.DatabaseProxy()


class HubModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


class _Postgres(PooledPostgresqlDatabase):
    """Pooled PostgreSQL reading `uuid` columns as text, as SQLite gives them (psycopg2 would make UUIDs)."""

    def _initialize_connection(self, conn):
        super()._initialize_connection(conn)
        # imported here: psycopg2 is needed only by a hub on PostgreSQL
        from psycopg2.extensions import new_type, register_type
        register_type(new_type((2950,), "UUID_AS_TEXT", lambda value, cursor: value), conn)   # 2950: uuid


def connect(url: str | None, data_dir: Path | None) -> peewee.Database:
    """A pooled database for a postgresql:// URL, else a SQLite file in `data_dir`."""
    url = url or os.environ.get("DATABASE_URL")
    if url:
        parts = urlparse(url)
        if parts.scheme not in ("postgres", "postgresql"):
            raise ValueError(f"unsupported database URL {parts.scheme}://… (use postgresql://)")
        return _Postgres(
            parts.path.lstrip("/"), user=unquote(parts.username or "") or None,
            password=unquote(parts.password or "") or None, host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432, max_connections=32, stale_timeout=600)
    if data_dir is None:
        raise ValueError("the hub needs --data DIR or a PostgreSQL --database-url")
    data_dir.mkdir(parents=True, exist_ok=True)
    return PooledSqliteDatabase(str(data_dir / "hub.sqlite3"), pragmas=SQLITE_PRAGMAS, max_connections=32,
                                stale_timeout=600, check_same_thread=False)


def is_postgres() -> bool:
    return isinstance(database.obj, peewee.PostgresqlDatabase)


def open_database(url: str | None = None, data_dir: Path | None = None) -> peewee.DatabaseProxy:
    """Point the hub's models at a database and bring its schema up to date (see migrations/)."""
    previous = database.obj
    if previous is not None:
        previous.close_all() if hasattr(previous, "close_all") else previous.close()
    database.initialize(connect(url, data_dir))
    partitions.forget()
    with database.connection_context():
        migrations.migrate_to_latest(database)
        partitions.ensure(database.obj, time.time())
    return database


def greatest(a, b):
    """The larger of two SQL expressions, on SQLite and PostgreSQL alike."""
    return peewee.Case(None, [(a >= b, a)], b)


def among(field, values):
    """`field IN values`: on PostgreSQL as `= ANY(array)`, one parameter however many values (a batch's 500
    learners would otherwise be 500 parameters to build and bind, at every query of ingest's summaries)."""
    if not is_postgres():
        return field.in_(values)
    kind = "uuid[]" if getattr(field, "field_type", "") == "UUID" else "text[]"
    return field == peewee.fn.ANY(peewee.Cast(peewee.Value(list(values), converter=list, unpack=False), kind))
