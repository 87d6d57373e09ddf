"""The courses each kiosk said it serves when it last asked for an offer (for the Kiosks page)."""
from __future__ import annotations

import peewee as pw

from .frozen import FrozenModel, create_tables

NUMBER = 4


class KioskContent(FrozenModel):
    kiosk_id = pw.TextField(primary_key=True)
    installed = pw.TextField(null=True)
    asked_at = pw.FloatField()


MODELS = [KioskContent]


def apply(db):
    create_tables(db, MODELS)
