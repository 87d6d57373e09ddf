"""Facilitator lock-out on the hub: failed sign-ins counted, and the time the account is locked until."""
from __future__ import annotations

import peewee as pw
from playhouse.migrate import migrate

from .frozen import FrozenModel, migrator

NUMBER = 2


class Facilitator(FrozenModel):
    """The table as this migration leaves it."""

    name = pw.TextField(unique=True)
    password_hash = pw.TextField()
    created_at = pw.FloatField()
    failed_logins = pw.IntegerField(default=0)
    locked_until = pw.FloatField(default=0)


MODELS = [Facilitator]


def apply(db):
    schema = migrator(db)
    migrate(schema.add_column("facilitator", "failed_logins", pw.IntegerField(default=0)),
            schema.add_column("facilitator", "locked_until", pw.FloatField(default=0)))
