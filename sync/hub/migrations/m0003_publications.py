"""Signed content packs published to kiosks: the manifest as signed, its blobs and its targets."""
from __future__ import annotations

import peewee as pw

from .frozen import FrozenModel, create_tables

NUMBER = 3


class Publication(FrozenModel):
    pack_id = pw.TextField()
    version = pw.BigIntegerField()
    manifest = pw.TextField()
    signature = pw.TextField()
    key = pw.TextField()
    files = pw.IntegerField()
    bytes = pw.BigIntegerField()
    blobs = pw.TextField()
    targets = pw.TextField(null=True)
    published_at = pw.FloatField()
    published_by = pw.TextField(default="")

    class Meta:
        indexes = ((("pack_id", "version"), True),)


MODELS = [Publication]


def apply(db):
    create_tables(db, MODELS)
