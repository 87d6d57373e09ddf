"""Numbered schema migrations for the hub, applied in order whenever it opens its database.

The number reached lives in a one-row table, `schema_version`, on SQLite and PostgreSQL alike. Each
migration runs in its own transaction together with the bump of that number (both databases have
transactional DDL), under a lock, so that hub processes starting together migrate one after the other:
an advisory lock on PostgreSQL, `BEGIN IMMEDIATE` on SQLite.

Each migration module has `NUMBER` and `apply(db)` and describes the schema as it was at its time
(model classes frozen inside it, playhouse.migrate operations), never through sync/hub/models.py.
One that creates or changes tables lists them in `MODELS`, as it leaves them. A new migration is a new
file `mNNNN_what.py` in this folder, found as the kiosk's are.

Adoption of a hub made before the version record: such a hub created its tables with peewee's
`create_tables` and is at one of versions 1 to `LAST_UNRECORDED`. Its version is the highest one whose
every table and column (taken from the frozen `MODELS`) is present; that number is recorded, then the
migrations after it run. A database with none of the hub's tables is at version 0. One that holds some
of them but matches no version is refused, as is one recorded at a version newer than this code: the
hub never builds on a schema it does not know.
"""
from __future__ import annotations

import contextlib
import functools
import importlib
import pkgutil
import re

import peewee

VERSION_TABLE = "schema_version"
# Hubs made by create_tables, before the version record existed, reached at most this version.
LAST_UNRECORDED = 4
# One number for every hub process: pg_advisory_xact_lock takes a bigint ("RELA" in ASCII).
LOCK_KEY = 0x52454C41


class UnknownSchema(Exception):
    """The database holds a hub schema this code cannot bring up to date."""


@functools.cache
def available() -> list:
    """The migration modules (the files mNNNN_*.py here), in the order they apply."""
    modules = [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)
               if re.fullmatch(r"m\d{4}_\w+", m.name)]
    return sorted(modules, key=lambda module: module.NUMBER)


def latest() -> int:
    return available()[-1].NUMBER


def frozen_models(version: int) -> list:
    """The model classes of every table as it stood at `version` (1 to LAST_UNRECORDED)."""
    tables = {}
    for module in available():
        if module.NUMBER <= version:
            tables.update({model._meta.table_name: model for model in getattr(module, "MODELS", ())})
    return list(tables.values())


def recorded_version(db) -> int | None:
    """The version kept in the database, or None when it has no version record."""
    if not db.table_exists(VERSION_TABLE):
        return None
    return db.execute_sql(f"SELECT version FROM {VERSION_TABLE}").fetchone()[0]


def detect_version(db) -> int:
    """The version of a hub made before the version record, read from the tables and columns present."""
    known = {model._meta.table_name for model in frozen_models(LAST_UNRECORDED)}
    present = {table: {column.name for column in db.get_columns(table)}
               for table in db.get_tables() if table in known}
    if not present:
        return 0
    for version in range(LAST_UNRECORDED, 0, -1):
        if not _missing(present, version):
            return version
    raise UnknownSchema(
        f"the hub database has the tables {', '.join(sorted(present))} but not the whole schema of any "
        f"Relais hub (missing since version 1: {', '.join(_missing(present, 1))}); point the hub at its "
        "own database, or restore it from a backup")


def current_version(db) -> int:
    """The schema version of the database: recorded, or else detected from its tables."""
    recorded = recorded_version(db)
    return detect_version(db) if recorded is None else recorded


def migrate_to_latest(db) -> int:
    """Adopt an unrecorded hub's version, then apply each newer migration in its own transaction."""
    db = db.obj if isinstance(db, peewee.DatabaseProxy) else db
    with _exclusive(db):
        if recorded_version(db) is None:
            _adopt(db, detect_version(db))
    version = recorded_version(db)
    if version > latest():
        raise UnknownSchema(f"the hub database is at schema version {version}, newer than this Relais "
                            f"knows ({latest()}): run the newer Relais, or restore a backup")
    for module in available():
        with _exclusive(db):
            if module.NUMBER <= recorded_version(db):      # another hub process applied it meanwhile
                continue
            module.apply(db)
            db.execute_sql(f"UPDATE {VERSION_TABLE} SET version = {int(module.NUMBER)}")
    return recorded_version(db)


def _missing(present: dict[str, set[str]], version: int) -> list[str]:
    """The tables and columns of `version` that `present` lacks, as "table" or "table.column"."""
    missing = []
    for model in frozen_models(version):
        table = model._meta.table_name
        if table not in present:
            missing.append(table)
            continue
        missing += [f"{table}.{field.column_name}" for field in model._meta.sorted_fields
                    if field.column_name not in present[table]]
    return missing


def _adopt(db, version: int) -> None:
    db.execute_sql(f"CREATE TABLE {VERSION_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), "
                   "version INTEGER NOT NULL)")
    db.execute_sql(f"INSERT INTO {VERSION_TABLE} (id, version) VALUES (1, {int(version)})")


@contextlib.contextmanager
def _exclusive(db):
    """A transaction that no other hub process migrating the same database runs at the same time."""
    if isinstance(db, peewee.PostgresqlDatabase):
        with db.atomic():
            db.execute_sql(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")
            yield
    else:
        with db.atomic(lock_type="IMMEDIATE"):          # the write lock from BEGIN: no reading a stale version
            yield
