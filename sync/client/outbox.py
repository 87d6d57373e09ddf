"""The kiosk's outbox: events appended in the same transaction as the change they record.

Knows nothing of HTTP; the uploader reads pending events from here and marks them sent once the hub
has acknowledged them.
"""
from __future__ import annotations

import time
import uuid

import peewee as pw

from sync.base.database import JSONField
from sync.wire import checks, hlc, protocol

from .db import SyncModel


class KioskIdentity(SyncModel):
    """This kiosk's id, sync epoch, next outbox sequence and hybrid logical clock (one row)."""

    kiosk_id = pw.TextField()
    epoch = pw.IntegerField()
    next_seq = pw.IntegerField()
    hlc_wall = pw.IntegerField()
    hlc_counter = pw.IntegerField()


class OutboxEvent(SyncModel):
    """An immutable record of one learner change, waiting for the hub's acknowledgement."""

    uuid = pw.TextField(unique=True)
    epoch = pw.IntegerField()
    seq = pw.IntegerField()
    learner_uuid = pw.TextField(null=True)
    hlc = pw.TextField()
    type = pw.TextField()
    payload = JSONField()
    created_at = pw.FloatField()
    sent_at = pw.FloatField(null=True)


def identity() -> KioskIdentity:
    """This kiosk's identity row, made on first use."""
    row = KioskIdentity.get_or_none(KioskIdentity.id == 1)
    if row is None:
        KioskIdentity.insert(id=1, kiosk_id=str(uuid.uuid4()), epoch=1, next_seq=1,
                             hlc_wall=0, hlc_counter=0).on_conflict_ignore().execute()
        row = KioskIdentity.get_by_id(1)
    return row


class Refused(ValueError):
    """An event the hub would set aside: nothing is written, and the caller's change rolls back."""

    def __init__(self, event_type: str, problem: checks.Problem):
        super().__init__(f"{event_type} event refused: {problem.detail}")
        self.event_type, self.problem = event_type, problem


def refusal(event: OutboxEvent) -> checks.Problem | None:
    """Why the hub would set this event aside, by the hub's own rule (protocol.event_problem), or None."""
    return protocol.event_problem(to_wire(event))


def append(event_type: str, learner_uuid: str | None, payload: dict, clock=time.time) -> OutboxEvent:
    """Record one event; the caller must hold the transaction that makes the change itself.

    An event the hub would refuse raises Refused before anything is written, so the caller's
    transaction rolls back and the change is not half made. Plain SQL: every learner's answer comes here."""
    db = OutboxEvent._meta.database
    found = db.execute_sql(_IDENTITY).fetchone()
    if found is None:
        identity()
        found = db.execute_sql(_IDENTITY).fetchone()
    epoch, seq, last_wall, last_counter = found
    wall, counter = hlc.tick(last_wall, last_counter, hlc.now_ms(clock))
    event = OutboxEvent(uuid=str(uuid.uuid4()), epoch=epoch, seq=seq, learner_uuid=learner_uuid,
                        hlc=hlc.encode(wall, counter), type=event_type, payload=payload, created_at=clock(),
                        sent_at=None)
    problem = refusal(event)
    if problem:
        raise Refused(event_type, problem)
    db.execute_sql(_ADVANCE, (seq + 1, wall, counter))
    event.id = db.last_insert_id(db.execute_sql(_INSERT, (
        event.uuid, epoch, seq, learner_uuid, event.hlc, event_type, OutboxEvent.payload.db_value(payload),
        event.created_at)))
    return event


_IDENTITY = 'SELECT "epoch", "next_seq", "hlc_wall", "hlc_counter" FROM "kiosk_identity" WHERE "id" = 1'
_ADVANCE = 'UPDATE "kiosk_identity" SET "next_seq" = ?, "hlc_wall" = ?, "hlc_counter" = ? WHERE "id" = 1'
_INSERT = ('INSERT INTO "outbox_event" ("uuid", "epoch", "seq", "learner_uuid", "hlc", "type", "payload", '
           '"created_at", "sent_at") VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)')


def pending(limit: int = 500) -> list[OutboxEvent]:
    return list(OutboxEvent.select().where(OutboxEvent.sent_at.is_null())
                .order_by(OutboxEvent.epoch, OutboxEvent.seq).limit(limit))


def pending_count() -> int:
    return OutboxEvent.select().where(OutboxEvent.sent_at.is_null()).count()


def mark_sent(epoch: int, up_to_seq: int, clock=time.time) -> int:
    """Mark every event of `epoch` up to the acknowledged sequence as sent."""
    return (OutboxEvent.update(sent_at=clock())
            .where(OutboxEvent.epoch == epoch, OutboxEvent.seq <= up_to_seq,
                   OutboxEvent.sent_at.is_null()).execute())


def forget_sent(learner_uuid: str) -> int:
    """Empty the events already sent about a learner being erased (the hub holds them and erases them).

    Unsent ones stay as they are: the hub's sequence must have no gap, and the erase event that follows
    them deletes them there."""
    return (OutboxEvent.update(payload={}).where((OutboxEvent.learner_uuid == learner_uuid)
                                                 & OutboxEvent.sent_at.is_null(False)).execute())


def new_epoch() -> int:
    """After a restore from backup: sequence numbers restart in a fresh epoch so they never collide."""
    ident = identity()
    KioskIdentity.update(epoch=ident.epoch + 1, next_seq=1).where(KioskIdentity.id == 1).execute()
    return ident.epoch + 1


def to_wire(event: OutboxEvent) -> dict:
    """An event as the hub receives it (docs/sync-protocol.md); the kiosk's wall time stays here."""
    return {"id": event.uuid, "epoch": event.epoch, "seq": event.seq, "learner": event.learner_uuid,
            "hlc": event.hlc, "type": event.type, "payload": event.payload}


def epoch_starts() -> dict[int, int]:
    """The first sequence kept in each epoch, so a new hub knows where contiguity begins."""
    rows = (OutboxEvent.select(OutboxEvent.epoch, pw.fn.MIN(OutboxEvent.seq).alias("first"))
            .group_by(OutboxEvent.epoch).tuples())
    return {epoch: first for epoch, first in rows}


def mark_all_unsent() -> int:
    """A newly enrolled kiosk sends its whole history to its hub."""
    return OutboxEvent.update(sent_at=None).where(OutboxEvent.sent_at.is_null(False)).execute()


def observe(remote_ms: int, clock=time.time) -> None:
    """Move this kiosk's clock past a time the hub vouched for (a Pi may boot in 1970)."""
    ident = identity()
    wall, counter = hlc.receive(ident.hlc_wall, ident.hlc_counter, (remote_ms, 0), hlc.now_ms(clock))
    KioskIdentity.update(hlc_wall=wall, hlc_counter=counter).where(KioskIdentity.id == 1).execute()
