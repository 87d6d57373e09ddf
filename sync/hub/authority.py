"""Who may speak for a learner: the rule the hub applies before it takes an event about one.

A learner's origin is the kiosk that first told the hub of them (`Learner.kiosk_id`). Kiosks of the
origin's network (its centre, or the centres grouped with it: network.py) speak for that learner, since
the learner's card travels to them (docs/sync-protocol.md §13); any other kiosk's events about them are
set aside as "not_your_learner". A learner the hub does not know yet is anyone's to introduce: the first
kiosk that speaks of them becomes their origin.
"""
from __future__ import annotations

from . import network
from .db import database
from .models import Kiosk, Learner

NOT_YOUR_LEARNER = "not_your_learner"
NOT_YOUR_LEARNER_DETAIL = "the hub knows this learner from a kiosk outside this kiosk's network"


def may_speak_for(kiosk: Kiosk, origin_kiosk_id: str, origin_centre: str | None,
                  centres: set[str] | None = None) -> bool:
    """Whether `kiosk` may change a learner first told of by `origin_kiosk_id` (of `origin_centre`).

    `centres` is the kiosk's network (network.centres_with), looked up once per batch by the caller."""
    if kiosk.id == origin_kiosk_id:
        return True
    if origin_centre is None:
        return False
    return origin_centre in (centres if centres is not None else network.centres_with(kiosk.centre))


def strangers(kiosk: Kiosk, learner_uuids: set[str]) -> set[str]:
    """The learners among `learner_uuids` the hub knows from elsewhere and `kiosk` may not speak for."""
    if not learner_uuids:
        return set()
    mark = database.param
    # Plain SQL: it runs for every batch, and building it through peewee cost more than running it.
    origins = database.execute_sql(
        f'SELECT l.uuid, l.kiosk_id, k.centre FROM "{Learner._meta.table_name}" AS l '
        f'LEFT OUTER JOIN "{Kiosk._meta.table_name}" AS k ON l.kiosk_id = k.id '
        f'WHERE l.uuid IN ({", ".join([mark] * len(learner_uuids))})', list(learner_uuids)).fetchall()
    if all(origin == kiosk.id for _, origin, _ in origins):
        return set()
    centres = network.centres_with(kiosk.centre)
    return {uuid for uuid, origin, centre in origins if not may_speak_for(kiosk, origin, centre, centres)}
