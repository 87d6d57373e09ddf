"""Learners' cards for the kiosks of their network: what changed since a kiosk's cursor (docs §13).

Every batch that changes a learner takes the next value of the hub's one change sequence (`CardClock`)
and writes it on the card (`card_seq`) at the end of its transaction. On PostgreSQL the counter's row
stays locked until that batch commits, so batches take their numbers in the order they commit: a kiosk
that read up to N never misses a change numbered below N later. A cursor is that number, never a time.
A kiosk is sent back the cards it changed itself too: the hub's fold (the furthest step, say) may differ
from what the kiosk holds, and the cards must agree everywhere.
"""
from __future__ import annotations

import json

from sync.wire import protocol

from . import event_places, network
from .models import CardClock, Certificate, Erased, Event, Kiosk, Learner, LessonState, QuizAttempt


def changed(kiosk_id: str, learners: set[str], erased: set[str]) -> None:
    """Stamp the cards this batch changed (and the erasures it made) with the next change number."""
    learners = {uuid for uuid in learners if uuid}
    if not learners:
        return
    CardClock.insert(id=1, value=0).on_conflict_ignore().execute()
    CardClock.update(value=CardClock.value + 1).where(CardClock.id == 1).execute()
    seq = CardClock.select(CardClock.value).where(CardClock.id == 1).scalar()
    alive = list(learners - erased)
    if alive:
        Learner.update(card_seq=seq).where(Learner.uuid.in_(alive)).execute()
    if erased & learners:
        Erased.update(card_seq=seq).where(Erased.learner_uuid.in_(list(erased & learners))
                                          & (Erased.card_seq == 0)).execute()


def parse_cursor(cursor: str) -> tuple[int, str]:
    """(change number, last uuid sent at that number) from a cursor ("" uuid: none yet)."""
    seq, _, uuid = cursor.partition(":")
    return int(seq), uuid


def page(kiosk: Kiosk, cursor: str, limit: int) -> tuple[list[dict], str, bool]:
    """The cards of `kiosk`'s network changed after `cursor`: (cards, next cursor, more to come)."""
    seq, uuid = parse_cursor(cursor)
    kiosks = network.kiosks_with(kiosk.centre)
    after = lambda model, col: (model.card_seq > seq) | ((model.card_seq == seq) & (col > uuid))
    learners = list(Learner.select().where(
        after(Learner, Learner.uuid) & Learner.kiosk_id.in_(kiosks) & (Learner.pin_hlc != ""))
        .order_by(Learner.card_seq, Learner.uuid).limit(limit + 1))
    erased = list(Erased.select().where(after(Erased, Erased.learner_uuid) & Erased.kiosk_id.in_(kiosks))
                  .order_by(Erased.card_seq, Erased.learner_uuid).limit(limit + 1))
    rows = sorted([(r.card_seq, r.uuid, r) for r in learners] + [(r.card_seq, r.learner_uuid, r) for r in erased],
                  key=lambda item: item[:2])
    more, rows = len(rows) > limit, rows[:limit]
    if not rows:
        return [], cursor, False
    last_seq, last_uuid, _ = rows[-1]
    centres = _centres({r.kiosk_id for _, _, r in rows if isinstance(r, Learner)})
    cards = _cards([r for _, _, r in rows if isinstance(r, Learner) and not r.local_only], centres)
    out = []
    for _, card_uuid, row in rows:
        if isinstance(row, Erased):
            out.append({"uuid": card_uuid, "erased": True, "merged_into": row.merged_into})
        elif row.local_only:
            if row.kiosk_id != kiosk.id:       # a card taken back: the other kiosks drop their copy
                out.append({"uuid": card_uuid, "withdrawn": True})
        else:
            out.append(cards[card_uuid])
    return out, f"{last_seq}:{last_uuid}", more


def _centres(kiosk_ids: set[str]) -> dict[str, str]:
    if not kiosk_ids:
        return {}
    return {k.id: k.centre for k in Kiosk.select(Kiosk.id, Kiosk.centre).where(Kiosk.id.in_(list(kiosk_ids)))}


def _cards(learners: list[Learner], centres: dict[str, str]) -> dict[str, dict]:
    """Each learner's whole card: profile with the HLC of each field group, progress, attempts, certificates."""
    uuids = [r.uuid for r in learners]
    cards = {r.uuid: {"uuid": r.uuid, "origin": centres.get(r.kiosk_id), "name": r.name, "picture": r.picture,
                      "pin_hash": r.pin_hash, "prefs": json.loads(r.prefs) if r.prefs else None,
                      "hlc": {"name": r.name_hlc, "prefs": r.prefs_hlc, "pin": r.pin_hlc, "last": r.last_hlc},
                      "progress": [], "attempts": [], "certificates": []} for r in learners}
    if not uuids:
        return cards
    for s in LessonState.select().where(LessonState.learner_uuid.in_(uuids)):
        cards[s.learner_uuid]["progress"].append({
            "lesson": s.lesson_key, "course": s.course_id, "status": "completed" if s.completed else "started",
            "step": s.step, "steps_total": s.steps_total, "time_spent": s.time_spent, "with_help": s.with_help,
            "first": s.first_hlc, "last": s.last_hlc})
    attempts = list(QuizAttempt.select().where(QuizAttempt.learner_uuid.in_(uuids)))
    answers = _payloads([a.event_id for a in attempts])
    for a in attempts:
        said = answers.get(a.event_id, {})
        cards[a.learner_uuid]["attempts"].append({
            "attempt": a.attempt, "lesson": a.lesson_key, "course": a.course_id, "score": a.score, "total": a.total,
            "passed": a.passed, "with_help": a.with_help, "hlc": a.hlc, "answers": said.get("answers") or {},
            "correct": said.get("correct") or []})
    _certificates(cards, uuids)
    return cards


def _certificates(cards: dict[str, dict], uuids: list[str]) -> None:
    """Each certificate with its badge as the hub holds it (countersigned when its kiosk's proof verified):
    the kiosk that issued it keeps the countersigned file (kiosk/certificates.py)."""
    badges = {c.code: c.credential for c in Certificate.select(Certificate.code, Certificate.credential).where(
        Certificate.learner_uuid.in_(uuids) & Certificate.credential.is_null(False))}
    for event in Event.select(Event.learner_uuid, Event.payload, Event.hlc).where(
            Event.learner_uuid.in_(uuids) & (Event.type == "certificate.issued")):
        said = json.loads(event.payload or "{}")
        if isinstance(said.get("code"), str):
            held = badges.get(said["code"])
            cards[event.learner_uuid]["certificates"].append(
                {"code": said["code"], "course": str(said.get("course", "")), "issued_at": said.get("issued_at"),
                 **({"credential": json.loads(held)} if held else {})})


def _payloads(event_ids: list[str]) -> dict[str, dict]:
    """The payloads of these events, found by row (PostgreSQL's partitions have no index on the id)."""
    rows = event_places.rows([i for i in event_ids if protocol.valid_uuid(i)])
    if not rows:
        return {}
    return {e.id: json.loads(e.payload) for e in Event.select(Event.id, Event.payload).where(Event.row.in_(rows))
            if e.payload}
