"""Numbered schema migrations, applied in order at start-up; PRAGMA user_version holds the number reached.

Each migration module has `NUMBER` and `apply(db)`. They describe the schema as it was at their time
(plain SQL, or playhouse.migrate operations on a `SqliteMigrator(db)` the migration makes itself), never
through today's model classes.
"""
from __future__ import annotations

import importlib
import pkgutil


def available() -> list:
    modules = [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)
               if m.name[1:5].isdigit()]
    return sorted(modules, key=lambda m: m.NUMBER)


def current_version(db) -> int:
    return db.execute_sql("PRAGMA user_version").fetchone()[0]


def migrate_to_latest(db) -> int:
    """Apply every migration newer than the database, each in its own transaction; return the version."""
    version = current_version(db)
    for module in available():
        if module.NUMBER <= version:
            continue
        with db.atomic():
            module.apply(db)
            db.execute_sql(f"PRAGMA user_version = {int(module.NUMBER)}")
        version = module.NUMBER
    return version
