"""What the kiosk remembers about syncing (tables made by the kiosk's migrations m0003_sync_state.py and
m0006_set_aside.py)."""
from __future__ import annotations

import time

import peewee as pw

from sync.base.database import JSONField

from . import outbox
from .db import SyncModel, database

KEEP_RECEIPTS = 500
REASON_CHARS = 40                # a reason code from the hub is short; anything longer is cut


class SyncState(SyncModel):
    last_attempt = pw.FloatField(null=True)
    last_success = pw.FloatField(null=True)
    bytes_sent = pw.IntegerField(default=0)
    events_sent = pw.IntegerField(default=0)
    last_error = pw.TextField(null=True)
    last_error_detail = pw.TextField(null=True)
    last_error_at = pw.FloatField(null=True)
    last_status = pw.IntegerField(null=True)
    failures = pw.IntegerField(default=0)


class SyncReceipt(SyncModel):
    """One acknowledged batch: what was sent, when, and what the hub signed for."""

    session = pw.FloatField()
    sent_at = pw.FloatField()
    epoch = pw.IntegerField()
    first_seq = pw.IntegerField()
    last_seq = pw.IntegerField()
    events = pw.IntegerField()
    bytes = pw.IntegerField()
    acked = JSONField()
    stored = pw.IntegerField()
    duplicates = pw.IntegerField()
    hub_time = pw.FloatField(null=True)
    hub_signature = pw.TextField()


class SetAsideEvent(SyncModel):
    """An event the hub set aside instead of merging it: it counts as sent, and the facilitator is told why."""

    event_uuid = pw.TextField(unique=True)
    epoch = pw.IntegerField()
    seq = pw.IntegerField()
    type = pw.TextField()
    reason = pw.TextField()
    recorded_at = pw.FloatField()


def current() -> SyncState:
    SyncState.insert(id=1).on_conflict_ignore().execute()
    return SyncState.get_by_id(1)


def record_ack(session: float, events: list, body_bytes: int, ack: dict, signature: str,
               now: float | None = None) -> int:
    """Mark acknowledged events sent and keep a receipt, in one transaction; return events marked."""
    now = now or time.time()
    with database.atomic():
        outbox.observe(int(ack["hub_time"]), lambda: now)
        marked = sum(outbox.mark_sent(int(epoch), int(seq), clock=lambda: now) for epoch, seq in ack["acked"].items())
        current()
        SyncState.update(last_success=now, last_attempt=now, bytes_sent=SyncState.bytes_sent + body_bytes,
                         events_sent=SyncState.events_sent + marked, last_error=None, last_error_detail=None,
                         last_status=200, failures=0).where(SyncState.id == 1).execute()
        SyncReceipt.create(session=session, sent_at=now, epoch=events[0]["epoch"], first_seq=events[0]["seq"],
                           last_seq=events[-1]["seq"], events=len(events), bytes=body_bytes, acked=ack["acked"],
                           stored=ack.get("stored", 0), duplicates=ack.get("duplicates", 0),
                           hub_time=(ack.get("hub_time") or 0) / 1000 or None, hub_signature=signature)
        _remember_set_aside(events, ack.get("set_aside"), now)
        oldest_kept = SyncReceipt.select(SyncReceipt.id).order_by(SyncReceipt.id.desc()).offset(KEEP_RECEIPTS).limit(1)
        SyncReceipt.delete().where(SyncReceipt.id <= oldest_kept).execute()
    return marked


def _remember_set_aside(events: list, entries, now: float) -> None:
    """Keep each event of this batch the hub says it set aside (once, however often it says so)."""
    sent, rows = {event["id"]: event for event in events}, []
    for entry in entries if isinstance(entries, list) else []:
        event = sent.get(entry.get("id")) if isinstance(entry, dict) and isinstance(entry.get("id"), str) else None
        if event is not None:
            rows.append({"event_uuid": event["id"], "epoch": event["epoch"], "seq": event["seq"], "type": event["type"],
                         "reason": str(entry.get("reason") or "")[:REASON_CHARS], "recorded_at": now})
    if rows:
        SetAsideEvent.insert_many(rows).on_conflict_ignore().execute()


def set_aside_by_reason() -> dict[str, int]:
    """How many of this kiosk's events the hub set aside, per reason code."""
    query = SetAsideEvent.select(SetAsideEvent.reason, pw.fn.COUNT(SetAsideEvent.id)).group_by(SetAsideEvent.reason)
    return dict(query.tuples())


def last_set_aside() -> float | None:
    """When the hub last set one of this kiosk's events aside, or None."""
    return SetAsideEvent.select(pw.fn.MAX(SetAsideEvent.recorded_at)).scalar()


def record_success(now: float | None = None) -> None:
    """An upload session ended with the outbox empty."""
    current()
    SyncState.update(last_success=now or time.time(), last_error=None, last_error_detail=None,
                     failures=0).where(SyncState.id == 1).execute()


def record_error(code: str, detail: str, status: int | None = None, now: float | None = None) -> None:
    current()
    SyncState.update(last_error=code, last_error_detail=detail[:500], last_error_at=now or time.time(),
                     last_attempt=now or time.time(),
                     last_status=status, failures=SyncState.failures + 1).where(SyncState.id == 1).execute()


def last_session_receipts() -> list[SyncReceipt]:
    """The batches of the latest upload session, oldest first."""
    latest = SyncReceipt.select(pw.fn.MAX(SyncReceipt.session)).scalar()
    if latest is None:
        return []
    return list(SyncReceipt.select().where(SyncReceipt.session == latest).order_by(SyncReceipt.id))
