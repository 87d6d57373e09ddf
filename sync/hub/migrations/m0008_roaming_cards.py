"""Cards that travel between the kiosks of a network (docs/sync-protocol.md §13).

Each learner row gains its PIN hash, its "this kiosk only" choice (each with its HLC), and `card_seq`,
the hub's change sequence at the card's last change.
An erased learner keeps, besides their uuid, their origin kiosk, the card they were merged into and
the sequence of the erasure. `card_clock` holds the one counter; `network` and `network_centre` group
centres.
"""
from __future__ import annotations

import peewee as pw
from playhouse.migrate import migrate

from .frozen import FrozenModel, create_tables, migrator

NUMBER = 8


class Learner(FrozenModel):
    uuid = pw.TextField(primary_key=True)
    kiosk_id = pw.TextField()
    name = pw.TextField(null=True)
    name_hlc = pw.TextField(default="")
    picture = pw.TextField(null=True)
    prefs = pw.TextField(null=True)
    prefs_hlc = pw.TextField(default="")
    last_hlc = pw.TextField(default="")
    pin_hash = pw.TextField(null=True)
    pin_hlc = pw.TextField(default="")
    local_only = pw.BooleanField(default=False)
    local_hlc = pw.TextField(default="")
    card_seq = pw.BigIntegerField(default=0, index=True)


class Erased(FrozenModel):
    learner_uuid = pw.TextField(primary_key=True)
    erased_at = pw.DoubleField()
    kiosk_id = pw.TextField(null=True)
    merged_into = pw.TextField(null=True)
    card_seq = pw.BigIntegerField(default=0, index=True)


class CardClock(FrozenModel):
    id = pw.IntegerField(primary_key=True)
    value = pw.BigIntegerField(default=0)


class Network(FrozenModel):
    name = pw.TextField(unique=True)
    created_at = pw.DoubleField()


class NetworkCentre(FrozenModel):
    centre = pw.TextField(primary_key=True)
    network = pw.ForeignKeyField(Network, on_delete="CASCADE")


MODELS = [Learner, Erased, CardClock, Network, NetworkCentre]


def apply(db):
    schema = migrator(db)
    migrate(schema.add_column("learner", "pin_hash", pw.TextField(null=True)),
            schema.add_column("learner", "pin_hlc", pw.TextField(default="")),
            schema.add_column("learner", "local_only", pw.BooleanField(default=False)),
            schema.add_column("learner", "local_hlc", pw.TextField(default="")),
            schema.add_column("learner", "card_seq", pw.BigIntegerField(default=0)),
            schema.add_index("learner", ("card_seq",)),
            schema.add_column("erased", "kiosk_id", pw.TextField(null=True)),
            schema.add_column("erased", "merged_into", pw.TextField(null=True)),
            schema.add_column("erased", "card_seq", pw.BigIntegerField(default=0)),
            schema.add_index("erased", ("card_seq",)))
    create_tables(db, [CardClock, Network, NetworkCentre])
    db.execute_sql('INSERT INTO "card_clock" (id, value) VALUES (1, 0)')
