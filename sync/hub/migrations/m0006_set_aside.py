"""Events set aside: kept with the reason the hub could not take them, holding their place in the
kiosk's sequence so that the events after them still flow (docs/sync-protocol.md §5)."""
from __future__ import annotations

import peewee as pw

from .frozen import FrozenModel, create_tables

NUMBER = 6


class SetAside(FrozenModel):
    id = pw.TextField(primary_key=True)
    kiosk_id = pw.TextField()
    epoch = pw.IntegerField()
    seq = pw.BigIntegerField()
    learner_uuid = pw.TextField(null=True, index=True)
    reason = pw.TextField()
    detail = pw.TextField()
    excerpt = pw.TextField()
    size = pw.BigIntegerField()
    set_aside_at = pw.DoubleField()

    class Meta:
        indexes = ((("kiosk_id", "epoch", "seq"), True),)


MODELS = [SetAside]


def apply(db):
    create_tables(db, MODELS)
