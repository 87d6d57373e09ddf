"""Facilitator sessions on the hub kept in the database: the cookie holds a random token, this table its
SHA-256, so that signing out (or a new password) ends the session for every copy of the cookie."""
from __future__ import annotations

import peewee as pw

from .frozen import FrozenModel, create_tables

NUMBER = 7


class Facilitator(FrozenModel):
    """The accounts table as version 5 left it (double-precision times), for the foreign key only."""

    name = pw.TextField(unique=True)
    password_hash = pw.TextField()
    created_at = pw.DoubleField()
    failed_logins = pw.IntegerField(default=0)
    locked_until = pw.DoubleField(default=0)


class FacilitatorSession(FrozenModel):
    token_hash = pw.TextField(primary_key=True)
    facilitator = pw.ForeignKeyField(Facilitator, on_delete="CASCADE")
    created_at = pw.DoubleField()
    last_seen = pw.DoubleField()


MODELS = [FacilitatorSession]


def apply(db):
    create_tables(db, MODELS)
