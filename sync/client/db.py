"""The database the kiosk-side sync tables live in, given by the kiosk (it is the kiosk's own file).

The kiosk binds it whenever it opens its database (`bind`); the tables themselves are made by the
kiosk's numbered migrations, since they share one file and one schema version.
"""
from __future__ import annotations

import peewee

database = peewee.DatabaseProxy()


class SyncModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


def bind(db: peewee.Database) -> None:
    database.initialize(db)
