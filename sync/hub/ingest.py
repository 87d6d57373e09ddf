"""Taking in one authenticated batch: store each event once, merge it, and say how far the kiosk is safe.

Everything happens in one transaction, under a per-kiosk lock, and is committed before the
acknowledgement is written: an acknowledged event is on disk.
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field

import peewee

from sync.wire import protocol

from . import bulk, merge
from .db import database, greatest, is_postgres
from .models import Erased, Event, Kiosk, KioskEpoch


class Conflict(Exception):
    """An event id (or a kiosk's sequence number) the hub already holds with other content."""


class Busy(Exception):
    """The hub cannot take this batch now; the kiosk should come back after `retry_after` seconds."""

    def __init__(self, status: int, retry_after: int):
        super().__init__(f"busy ({status})")
        self.status, self.retry_after = status, retry_after


@dataclass
class Ack:
    acked: dict = field(default_factory=dict)      # epoch → highest contiguous sequence held
    stored: int = 0
    duplicates: int = 0


def ingest(kiosk: Kiosk, batch: dict, now: float | None = None) -> Ack:
    """Store, merge and acknowledge a decoded batch (raises Malformed, Conflict or Busy)."""
    now = now or time.time()
    events = batch["events"]
    payloads = protocol.validate_events(events)
    try:
        with _kiosk_lock(kiosk.id):
            new_ids = _insert(kiosk.id, events, payloads, now)
            fresh = [e for e in events if e["id"] in new_ids]
            _check_resent(kiosk.id, [e for e in events if e["id"] not in new_ids])
            erased = _erased_among(fresh)
            merge.apply(kiosk.id, [e for e in fresh if e["learner"] not in erased])
            for learner in erased:
                merge.erase(learner, now)
            acked = {epoch: _advance(kiosk.id, epoch) for epoch in sorted({e["epoch"] for e in events})}
            _touch(kiosk.id, fresh, batch.get("pending", 0), now)
    except peewee.OperationalError as error:
        raise _busy(error) from None
    return Ack(acked=acked, stored=len(fresh), duplicates=len(events) - len(fresh))


@contextlib.contextmanager
def _kiosk_lock(kiosk_id: str):
    """One batch at a time per kiosk. PostgreSQL locks the kiosk's row; SQLite has one writer anyway."""
    if not is_postgres():
        with database.atomic(lock_type="IMMEDIATE"):
            yield
        return
    with database.atomic():
        list(Kiosk.select(Kiosk.id).where(Kiosk.id == kiosk_id).for_update(nowait=True))
        yield


def _busy(error: peewee.OperationalError) -> Busy:
    text = str(error).lower()
    if "lock" in text and "not obtain" in text:           # PostgreSQL NOWAIT: this kiosk's other batch
        return Busy(429, 2)
    if "locked" in text or "busy" in text:                # SQLite busy_timeout ran out
        return Busy(503, 5)
    raise error


EVENT_COLUMNS = ["id", "kiosk_id", "epoch", "seq", "digest", "learner_uuid", "hlc", "type", "payload", "received_at"]


def _insert(kiosk_id: str, events: list[dict], payloads: list[str], now: float) -> set[str]:
    """Insert the events the hub does not hold yet; return the ids actually inserted."""
    rows = [(e["id"], kiosk_id, e["epoch"], e["seq"], protocol.event_digest(e, p), e["learner"], e["hlc"], e["type"],
             p, now) for e, p in zip(events, payloads)]
    return {row[0] for row in bulk.insert(Event, EVENT_COLUMNS, rows, "ON CONFLICT DO NOTHING RETURNING id")}


def _check_resent(kiosk_id: str, resent: list[dict]) -> None:
    """A resent event must be the very same event, from the same kiosk at the same place."""
    if not resent:
        return
    held = {row.id: row for row in Event.select(Event.id, Event.kiosk_id, Event.epoch, Event.seq, Event.digest)
            .where(Event.id.in_([e["id"] for e in resent]))}
    for event in resent:
        row = held.get(event["id"])
        if row is None:
            raise Conflict(f"sequence {event['epoch']}/{event['seq']} is already used by another event")
        if row.kiosk_id != kiosk_id or (row.epoch, row.seq) != (event["epoch"], event["seq"]):
            raise Conflict(f"event {event['id']} was already received from elsewhere")
        if row.digest and row.digest != protocol.event_digest(event):
            raise Conflict(f"event {event['id']} was already received with other content")


def _erased_among(events: list[dict]) -> set[str]:
    """Learners of this batch who are erased: before it, or by an erase event in it."""
    learners = {e["learner"] for e in events if e["learner"]}
    if not learners:
        return set()
    now_erased = {e["learner"] for e in events if e["type"] == "learner.erased" and e["learner"]}
    before = {r.learner_uuid for r in Erased.select(Erased.learner_uuid).where(Erased.learner_uuid.in_(list(learners)))}
    return now_erased | before


def _advance(kiosk_id: str, epoch: int) -> int:
    """Move the epoch's acknowledgement over every contiguous sequence now held."""
    row = KioskEpoch.get_or_none((KioskEpoch.kiosk == kiosk_id) & (KioskEpoch.epoch == epoch))
    if row is None:
        row = KioskEpoch.create(kiosk=kiosk_id, epoch=epoch, acked_seq=0)
    seq = row.acked_seq
    following = (Event.select(Event.seq).where((Event.kiosk_id == kiosk_id) & (Event.epoch == epoch)
                                               & (Event.seq > seq)).order_by(Event.seq).tuples())
    for (held,) in following.iterator():
        if held != seq + 1:
            break
        seq = held
    if seq != row.acked_seq:
        KioskEpoch.update(acked_seq=seq).where((KioskEpoch.kiosk == kiosk_id) & (KioskEpoch.epoch == epoch)).execute()
    return seq


def _touch(kiosk_id: str, fresh: list[dict], pending: int, now: float) -> None:
    updates = {Kiosk.last_seen: now, Kiosk.pending_reported: pending,
               Kiosk.events_received: Kiosk.events_received + len(fresh)}
    if fresh:
        updates[Kiosk.last_hlc] = greatest(Kiosk.last_hlc, peewee.Value(max(e["hlc"] for e in fresh)))
    Kiosk.update(updates).where(Kiosk.id == kiosk_id).execute()


def acknowledgements(kiosk_id: str) -> dict[int, int]:
    """Every epoch's acknowledgement for one kiosk."""
    return {r.epoch: r.acked_seq for r in KioskEpoch.select().where(KioskEpoch.kiosk == kiosk_id)}
