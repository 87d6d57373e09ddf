"""Events the hub sets aside instead of storing them: kept with why, holding their place in the sequence.

An event is set aside when its place (id, epoch, seq) is sound but the rest is not (sync/wire/protocol.py,
sync/wire/checks.py), when its kiosk may not speak for its learner (authority.py), or when the database
refuses it for a reason of its data. What is kept is safe to store anywhere: the reason, a plain-English
detail and an excerpt of the event as received, cut short, control characters and lone surrogates
escaped (PostgreSQL refuses NUL in text). Nothing of it is merged.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from peewee import JOIN, fn

from sync.wire import protocol

from . import bulk
from .db import database
from .models import Erased, Kiosk, SetAside

UNSTORABLE = "unstorable"
EXCERPT_BYTES = 4096          # of the event as received: enough to see what went wrong
DETAIL_CHARS = 500
LISTED = 500                  # rows on the hub's Set aside page, newest first
_PRUNE_DEPTH, _PRUNE_ITEMS, _PRUNE_CHARS = 12, 50, EXCERPT_BYTES
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
COLUMNS = ["id", "kiosk_id", "epoch", "seq", "learner_uuid", "reason", "detail", "excerpt", "size", "set_aside_at"]


class Taken(Exception):
    """The event's id or place is already held by another event (the caller answers 409)."""


@dataclass
class Entry:
    """An event of the batch that is set aside, now or before, as the acknowledgement lists it."""

    id: str
    epoch: int
    seq: int
    reason: str
    new: bool = True              # set aside by this batch (False: before, so this is a resend)

    def wire(self) -> dict:
        return {"id": self.id, "epoch": self.epoch, "seq": self.seq, "reason": self.reason}


def storable(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with control characters and lone surrogates written as \\uXXXX."""
    return _UNSAFE.sub(lambda found: f"\\u{ord(found.group()):04x}", text[:limit])


def excerpt(event: dict) -> tuple[str, int]:
    """(the start of the event as JSON, safe to store; its full size in bytes as received)."""
    shown = json.dumps(_pruned(event, 0), ensure_ascii=False, separators=(",", ":"), default=str)
    raw = shown.encode("utf-8", "backslashreplace")      # a lone surrogate becomes \udXXX
    try:
        size = len(json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
    except (RecursionError, ValueError):                 # nested too deep to write out again
        size = len(raw)
    text = raw[:EXCERPT_BYTES].decode("utf-8", "ignore") + ("…" if len(raw) > EXCERPT_BYTES else "")
    return storable(text, EXCERPT_BYTES + 1), size


def _pruned(value, depth: int):
    """A copy small enough to show: deep parts, long lists and long strings cut (json.dumps escapes C0)."""
    if isinstance(value, str):
        return value[:_PRUNE_CHARS]
    if isinstance(value, dict):
        if depth >= _PRUNE_DEPTH:
            return "…"
        return {str(k)[:200]: _pruned(v, depth + 1) for k, v in list(value.items())[:_PRUNE_ITEMS]}
    if isinstance(value, list):
        return "…" if depth >= _PRUNE_DEPTH else [_pruned(v, depth + 1) for v in value[:_PRUNE_ITEMS]]
    return value


def earlier(kiosk_id: str, events: list[dict]) -> dict[str, Entry]:
    """The events of this batch the hub set aside before, by id; Taken when one's id or place is another's."""
    if not events:
        return {}
    by_id = {e["id"]: e for e in events}
    places = {(e["epoch"], e["seq"]) for e in events}
    found = {}
    for row_id, row_kiosk, epoch, seq, reason in _held(kiosk_id, list(by_id), places):
        event = by_id.get(row_id)
        if event is not None and (row_kiosk, epoch, seq) != (kiosk_id, event["epoch"], event["seq"]):
            raise Taken(f"event {row_id} was already received from elsewhere")
        if event is None and row_kiosk == kiosk_id and (epoch, seq) in places:
            raise Taken(f"sequence {epoch}/{seq} is already used by another event")
        if event is not None:
            found[row_id] = Entry(row_id, epoch, seq, reason, new=False)
    return found


def _held(kiosk_id: str, ids: list[str], places: set[tuple[int, int]]) -> list[tuple]:
    """Set-aside rows with one of these ids, or in this kiosk's range of these places (plain SQL: ingest's
    hot path, where building the query through peewee cost more than running it)."""
    mark = database.param
    sql = [f'SELECT id, kiosk_id, epoch, seq, reason FROM "{bulk.table(SetAside)}" WHERE id IN '
           f'({", ".join([mark] * len(ids))})']
    params: list = list(ids)
    for epoch in sorted({epoch for epoch, _ in places}):
        seqs = [seq for held_epoch, seq in places if held_epoch == epoch]
        sql.append(f"OR (kiosk_id = {mark} AND epoch = {mark} AND seq BETWEEN {mark} AND {mark})")
        params += [kiosk_id, epoch, min(seqs), max(seqs)]
    return database.execute_sql(" ".join(sql), params).fetchall()


def record(kiosk_id: str, refused: list[tuple[dict, str, str]], now: float) -> list[Entry]:
    """Set aside each (event, reason, detail); the excerpt of an erased learner's event is not kept."""
    if not refused:
        return []
    learners = {e["learner"] for e, _, _ in refused if protocol.valid_uuid(e.get("learner"))}
    erased = ({r.learner_uuid for r in Erased.select(Erased.learner_uuid)
               .where(Erased.learner_uuid.in_(list(learners)))} if learners else set())
    rows = []
    for event, reason, detail in refused:
        learner = event["learner"] if protocol.valid_uuid(event.get("learner")) else None
        shown, size = excerpt(event) if learner not in erased else ("", 0)
        rows.append((event["id"], kiosk_id, event["epoch"], event["seq"], learner, reason,
                     storable(detail, DETAIL_CHARS), shown, size, now))
    kept = {row[0] for row in bulk.insert(SetAside, COLUMNS, rows, "ON CONFLICT DO NOTHING RETURNING id")}
    if len(kept) != len(rows):              # another kiosk's batch took one of these ids meanwhile
        raise Taken(f"event {next(r[0] for r in rows if r[0] not in kept)} was already received from elsewhere")
    return [Entry(event["id"], event["epoch"], event["seq"], reason) for event, reason, _ in refused]


def forget_learner(learner_uuid: str) -> None:
    """An erased learner's set-aside events keep their place and reason, not their content."""
    SetAside.update(excerpt="", learner_uuid=None).where(SetAside.learner_uuid == learner_uuid).execute()


def counts_by_kiosk(kiosks: list[str]) -> dict[str, int]:
    """How many events each of these kiosks had set aside (for a page of the Kiosks page)."""
    return dict(SetAside.select(SetAside.kiosk_id, fn.COUNT(SetAside.id)).where(SetAside.kiosk_id.in_(kiosks))
                .group_by(SetAside.kiosk_id).tuples())


def listing(scope, kiosk_id: str | None = None, limit: int = LISTED) -> list[dict]:
    """The latest events set aside by kiosks of `scope` (sync/hub/scopes.py), newest first, with their centre."""
    query = (SetAside.select(SetAside, Kiosk.centre.alias("centre"))
             .join(Kiosk, JOIN.LEFT_OUTER, on=(SetAside.kiosk_id == Kiosk.id))
             .where(scope.covers_kiosk(SetAside.kiosk_id))
             .order_by(SetAside.set_aside_at.desc(), SetAside.kiosk_id, SetAside.epoch, SetAside.seq).limit(limit))
    if kiosk_id:
        query = query.where(SetAside.kiosk_id == kiosk_id)
    return list(query.dicts())
