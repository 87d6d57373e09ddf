"""What the kiosk remembers about syncing (tables made by the kiosk's migration m0003_sync_state.py)."""
from __future__ import annotations

import time

import peewee as pw

from sync.base.database import JSONField

from . import outbox
from .db import SyncModel, database

KEEP_RECEIPTS = 500

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
        oldest_kept = SyncReceipt.select(SyncReceipt.id).order_by(SyncReceipt.id.desc()).offset(KEEP_RECEIPTS).limit(1)
        SyncReceipt.delete().where(SyncReceipt.id <= oldest_kept).execute()
    return marked


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
