"""Facilitators' scopes and regions: a centre's region, each facilitator's scope (national or granted
regions and centres) and role (read-only or not). Every facilitator who existed before becomes a national
administrator, so that nobody loses what they saw."""
from __future__ import annotations

import peewee as pw

from .frozen import FrozenModel, create_tables

NUMBER = 9


class Facilitator(FrozenModel):
    """The accounts table as version 5 left it, for the foreign keys and the first scopes."""

    name = pw.TextField(unique=True)
    password_hash = pw.TextField()
    created_at = pw.DoubleField()
    failed_logins = pw.IntegerField(default=0)
    locked_until = pw.DoubleField(default=0)


class CentreRegion(FrozenModel):
    centre = pw.TextField(primary_key=True)
    region = pw.TextField(index=True)


class FacilitatorScope(FrozenModel):
    facilitator = pw.ForeignKeyField(Facilitator, primary_key=True, on_delete="CASCADE")
    national = pw.BooleanField(default=False)
    read_only = pw.BooleanField(default=False)


class FacilitatorGrant(FrozenModel):
    facilitator = pw.ForeignKeyField(Facilitator, on_delete="CASCADE")
    kind = pw.TextField()
    name = pw.TextField()

    class Meta:
        primary_key = pw.CompositeKey("facilitator", "kind", "name")


MODELS = [CentreRegion, FacilitatorScope, FacilitatorGrant]


def apply(db):
    create_tables(db, MODELS)
    with db.bind_ctx([Facilitator, FacilitatorScope]):
        FacilitatorScope.insert_from(
            Facilitator.select(Facilitator.id, pw.Value(True), pw.Value(False)),
            [FacilitatorScope.facilitator, FacilitatorScope.national, FacilitatorScope.read_only]).execute()
