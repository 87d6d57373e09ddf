"""What the migrations build with: a base for the model classes frozen inside them, and schema changes."""
from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator


class FrozenModel(peewee.Model):
    """A table as one migration made it; bound to a database only while that migration runs."""

    class Meta:
        legacy_table_names = False


def create_tables(db: peewee.Database, models: list) -> None:
    """Create `models` exactly as the hub's `create_tables` did, failing if one already exists."""
    with db.bind_ctx(models):
        db.create_tables(models, safe=False)


def migrator(db: peewee.Database) -> SchemaMigrator:
    """The schema migrator for this database: PostgresqlMigrator or SqliteMigrator."""
    return SchemaMigrator.from_database(db)
