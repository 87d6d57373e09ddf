"""Learners' cards from the other kiosks of this kiosk's network, applied here (docs/sync-protocol.md §13).

The rules are the hub's (sync/hub/merge.py), applied once more on this kiosk: the furthest progress wins
(completed beats started, the highest step and the largest time spent), every quiz attempt is kept, and
the name, preferences and PIN go to the write with the latest HLC — the hub's, or this kiosk's own
latest event about that field. What is received is written straight into the tables, never into the
outbox: it is not this kiosk's news, so it never travels back as if it were (no echo). PIN lockouts
(failed_pins, locked_until) stay this kiosk's own.
"""
from __future__ import annotations

import time

import peewee as pw

from sync.client import outbox, roaming
from sync.client.outbox import OutboxEvent
from sync.wire import hlc

from . import certificates, progress
from .db import database
from .learners import DEFAULT_PREFS, PICTURES, known_prefs
from .models import Certificate, Learner, Progress, QuizAttempt

# The kiosk's own events that set each field group, for last-writer-wins against a card.
FIELD_EVENTS = {"name": ("learner.created", "learner.renamed"), "prefs": ("learner.created", "learner.prefs"),
                "pin": ("learner.created", "learner.pin")}


def apply_page(cards: list[dict], cursor: str, wire: int, now: float | None = None) -> None:
    """Apply one page of cards and move the cursor past it, in one transaction."""
    now = now or time.time()
    with database.atomic():
        latest = ""
        for card in cards:
            if card.get("erased") or card.get("withdrawn"):
                _drop(card, now)
            else:
                _apply(card, now)
                latest = max(latest, (card.get("hlc") or {}).get("last") or "")
        if latest:
            # Later changes here must sort after what was received (a strictly later wall time).
            outbox.observe(_wall(latest) + 1, lambda: now)
        roaming.advance(cursor, len(cards), wire, now)


def _wall(value: str | None) -> int:
    try:
        return hlc.decode(value)[0] if value else 0
    except ValueError:
        return 0


def _drop(card: dict, now: float) -> None:
    """An erased card (its rows go too), or one taken back to its own kiosk; a merge folds it first."""
    learner = Learner.get_or_none(Learner.uuid == card["uuid"])
    if learner is None or (card.get("withdrawn") and learner.origin is None):
        return
    keep = Learner.get_or_none(Learner.uuid == card.get("merged_into")) if card.get("merged_into") else None
    if keep is not None and keep.id != learner.id:
        progress.fold_progress(keep, learner, now)      # what this kiosk alone knew of the merged card
    outbox.forget_sent(learner.uuid)
    learner.delete_instance()


def _local_hlcs(uuid: str) -> dict[str, str]:
    """The HLC of this kiosk's latest own event about each field group of a card."""
    rows = (OutboxEvent.select(OutboxEvent.type, pw.fn.MAX(OutboxEvent.hlc))
            .where((OutboxEvent.learner_uuid == uuid)
                   & OutboxEvent.type.in_(["learner.created", "learner.renamed", "learner.prefs", "learner.pin"]))
            .group_by(OutboxEvent.type).tuples())
    by_type = dict(rows)
    return {field: max([by_type.get(t, "") for t in types]) for field, types in FIELD_EVENTS.items()}


def _apply(card: dict, now: float) -> None:
    clocks = card.get("hlc") or {}
    learner = Learner.get_or_none(Learner.uuid == card["uuid"])
    if learner is None:
        learner = Learner.create(
            uuid=card["uuid"], name=str(card.get("name") or "?"), picture=_picture(card), pin_hash=card.get("pin_hash"),
            prefs=known_prefs(card.get("prefs") or DEFAULT_PREFS), created_at=now,
            last_active=_wall(clocks.get("last")) / 1000 or now, origin=str(card.get("origin") or ""),
            name_hlc=clocks.get("name", ""), prefs_hlc=clocks.get("prefs", ""), pin_hlc=clocks.get("pin", ""))
    else:
        _profile(learner, card, clocks)
    _progress(learner, card.get("progress") or [])
    _attempts(learner, card.get("attempts") or [])
    _certificates(learner, card.get("certificates") or [])


def _picture(card: dict) -> str:
    return card["picture"] if card.get("picture") in PICTURES else PICTURES[0]


def _profile(learner: Learner, card: dict, clocks: dict) -> None:
    """Last writer wins, by HLC, for each field group; the lockout columns are never touched."""
    local = _local_hlcs(learner.uuid)
    changes = {}
    if clocks.get("name", "") > max(learner.name_hlc, local["name"]) and card.get("name"):
        changes.update(name=str(card["name"]), name_hlc=clocks["name"])
    if clocks.get("prefs", "") > max(learner.prefs_hlc, local["prefs"]) and isinstance(card.get("prefs"), dict):
        changes.update(prefs=known_prefs(card["prefs"]), prefs_hlc=clocks["prefs"])
    if clocks.get("pin", "") > max(learner.pin_hlc, local["pin"]):
        changes.update(pin_hash=card.get("pin_hash"), pin_hlc=clocks["pin"])
    last = _wall(clocks.get("last")) / 1000
    if last > learner.last_active:
        changes["last_active"] = last
    if changes:
        Learner.update(**changes).where(Learner.id == learner.id).execute()


def _progress(learner: Learner, rows: list[dict]) -> None:
    """The furthest progress in each lesson, as the hub folds it (sync/hub/merge.py)."""
    mine = progress.for_learner(learner)
    latest = None
    for p in rows:
        key, done = str(p.get("lesson") or ""), p.get("status") == progress.COMPLETED
        if not key:
            continue
        first, last = _wall(p.get("first")) / 1000, _wall(p.get("last")) / 1000
        latest = max(latest or (last, key), (last, key))
        row = mine.get(key) or Progress(learner=learner, lesson_key=key, course_id=str(p.get("course") or ""),
                                        status=progress.STARTED, step=0, steps_total=_int(p.get("steps_total")),
                                        time_spent=0, first_seen=first, last_seen=last)
        before = (row.status, row.step, row.time_spent, row.with_help, row.last_seen)
        if done and row.status != progress.COMPLETED:
            row.status, row.completed_at = progress.COMPLETED, last
        row.step = max(row.step, _int(p.get("step")))
        row.time_spent = max(row.time_spent, _int(p.get("time_spent")))
        row.with_help = row.with_help or bool(p.get("with_help"))
        row.last_seen = max(row.last_seen, last)
        if row.id is None or before != (row.status, row.step, row.time_spent, row.with_help, row.last_seen):
            row.save()
    if latest and learner.last_lesson is None:
        Learner.update(last_lesson=latest[1]).where(Learner.id == learner.id).execute()


def _attempts(learner: Learner, attempts: list[dict]) -> None:
    """Every attempt kept; one now owned by this card (a merge elsewhere) moves to it."""
    held = {a.uuid: a.learner_id for a in QuizAttempt.select(QuizAttempt.uuid, QuizAttempt.learner)
            .where(QuizAttempt.uuid.in_([str(a.get("attempt")) for a in attempts]))} if attempts else {}
    for a in attempts:
        uuid = str(a.get("attempt") or "")
        if not uuid:
            continue
        if uuid in held:
            if held[uuid] != learner.id:
                QuizAttempt.update(learner=learner).where(QuizAttempt.uuid == uuid).execute()
            continue
        answers = a.get("answers") if isinstance(a.get("answers"), dict) else {}
        # Results need the quiz's feedback, which the hub does not hold: the result page then shows the score.
        QuizAttempt.create(uuid=uuid, learner=learner, lesson_key=str(a.get("lesson") or ""),
                           course_id=str(a.get("course") or ""), answers=answers, results=[],
                           score=_int(a.get("score")), total=_int(a.get("total")), passed=bool(a.get("passed")),
                           with_help=bool(a.get("with_help")), created_at=_wall(a.get("hlc")) / 1000)


def _certificates(learner: Learner, sent: list[dict]) -> None:
    """New certificates are added; this kiosk's own keep the hub's countersigned badge (kiosk/certificates.py)."""
    held = {c.course_id: c for c in Certificate.select().where(Certificate.learner == learner)}
    have = set(held)
    for c in sent:
        mine = held.get(c.get("course"))
        if mine is not None and mine.code == c.get("code") and c.get("credential"):
            certificates.keep_countersigned(mine, c["credential"])
        if c.get("course") in have or not isinstance(c.get("code"), str):
            continue
        issued = c.get("issued_at") if isinstance(c.get("issued_at"), (int, float)) else 0
        Certificate.insert(code=c["code"], learner=learner, course_id=str(c["course"]),
                           issued_at=float(issued)).on_conflict_ignore().execute()
        have.add(c["course"])


def _int(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def keep_here(learner: Learner, local_only: bool, now=time.time) -> Learner:
    """The learner's (or facilitator's) choice to keep a card made here on this kiosk only, or to let it travel."""
    if learner.origin is not None:
        raise ValueError("only a card made on this kiosk can be kept here only")
    if bool(learner.local_only) == local_only:
        return learner
    with database.atomic():
        Learner.update(local_only=local_only).where(Learner.id == learner.id).execute()
        outbox.append("learner.roaming", learner.uuid, {"local_only": local_only}, clock=now)
    learner.local_only = local_only
    return learner


def announce_pins() -> int:
    """Once: tell the hub the PIN hash of every card made here before cards travelled (without it, a
    card never leaves its kiosk: another kiosk could not ask for its PIN)."""
    told = OutboxEvent.select(OutboxEvent.learner_uuid).where(OutboxEvent.type == "learner.pin")
    count = 0
    for learner in Learner.select().where(Learner.origin.is_null() & Learner.uuid.not_in(told)):
        outbox.append("learner.pin", learner.uuid, {"pin_hash": learner.pin_hash})
        count += 1
    return count


def status() -> dict:
    """Roaming at a glance, for the Sync page: on, off (ROAMING), unsupported by the hub, or not asked yet."""
    state = roaming.current()
    return {"status": state.status or "not_asked", "cards": state.cards_received, "bytes": state.bytes_down,
            "checked_at": state.checked_at}


def where_known(learner: Learner) -> dict:
    """Where a card is known, for the facilitator's learner page."""
    if learner.origin is not None:
        return {"made_here": False, "origin": learner.origin, "local_only": False}
    return {"made_here": True, "origin": None, "local_only": bool(learner.local_only)}
