"""Who may speak for a learner: the rule the hub applies before it takes an event about one.

A learner's origin is the kiosk that first told the hub of them (`Learner.kiosk_id`). Kiosks of the
origin's centre speak for that learner; any other kiosk's events about them are set aside as
"not_your_learner". A learner the hub does not know yet is anyone's to introduce: the first kiosk that
speaks of them becomes their origin. Roaming (a learner's card moving between kiosks of one network)
will widen `may_speak_for`, and nothing else.
"""
from __future__ import annotations

from .db import database
from .models import Kiosk, Learner

NOT_YOUR_LEARNER = "not_your_learner"
NOT_YOUR_LEARNER_DETAIL = "the hub knows this learner from a kiosk of another centre"


def may_speak_for(kiosk: Kiosk, origin_kiosk_id: str, origin_centre: str | None) -> bool:
    """Whether `kiosk` may change a learner first told of by `origin_kiosk_id` (of `origin_centre`)."""
    return kiosk.id == origin_kiosk_id or (origin_centre is not None and origin_centre == kiosk.centre)


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
    return {uuid for uuid, origin, centre in origins if not may_speak_for(kiosk, origin, centre)}
