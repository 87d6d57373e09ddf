"""What a facilitator does to a learner's profile: rename, reset the PIN, merge, export, erase.

Every change goes through the outbox so the hub learns of it, erasure included.
"""
from __future__ import annotations

import time

from werkzeug.security import generate_password_hash

from sync.client import outbox

from . import progress
from .db import database
from .learners import PIN_HASH, validate_name, validate_pin
from .models import Certificate, GroupMember, Learner, LearnerSession, Progress, QuizAttempt


def rename(learner: Learner, name: str) -> Learner:
    name = validate_name(name)
    with database.atomic():
        Learner.update(name=name).where(Learner.id == learner.id).execute()
        outbox.append("learner.renamed", learner.uuid, {"name": name})
    learner.name = name
    return learner


def reset_pin(learner: Learner, pin: str | None) -> None:
    """Set a new PIN, or remove it when `pin` is empty; lifts any lock and ends open sessions."""
    pin = validate_pin(pin or "")
    with database.atomic():
        pin_hash = generate_password_hash(pin, PIN_HASH) if pin else None
        Learner.update(pin_hash=pin_hash, failed_pins=0, locked_until=0).where(Learner.id == learner.id).execute()
        outbox.append("learner.pin", learner.uuid, {"pin_hash": pin_hash})     # the card's PIN travels with it
        LearnerSession.delete().where(LearnerSession.learner == learner).execute()


def merge(keep: Learner, other: Learner, now: float | None = None) -> Learner:
    """Fold `other` into `keep` (the same person made two cards): furthest progress wins, attempts kept.

    The hub is told through ordinary events: `keep`'s merged progress and copied attempts, then the
    erasure of `other`.
    """
    if keep.id == other.id:
        raise ValueError("a learner cannot be merged with itself")
    now = now or time.time()
    with database.atomic():
        progress.fold_progress(keep, other, now)
        for member in GroupMember.select().where(GroupMember.learner == other):
            GroupMember.insert(group=member.group_id, learner=keep).on_conflict_ignore().execute()
        Certificate.update(learner=keep).where(
            (Certificate.learner == other) &
            Certificate.course_id.not_in(Certificate.select(Certificate.course_id)
                                         .where(Certificate.learner == keep))).execute()
        if other.last_active > keep.last_active:
            Learner.update(last_active=other.last_active, last_lesson=other.last_lesson).where(
                Learner.id == keep.id).execute()
        erase(other, now=now, merged_into=keep.uuid)
    return Learner.get_by_id(keep.id)


def export(learner: Learner) -> dict:
    """Everything the kiosk holds about one learner (their right of access), as JSON-ready data."""
    return {
        "learner": {"id": learner.uuid, "name": learner.name, "picture": learner.picture,
                    "has_pin": learner.pin_hash is not None, "preferences": learner.prefs,
                    "created_at": learner.created_at, "last_active": learner.last_active},
        "progress": [{"lesson": p.lesson_key, "course": p.course_id, "status": p.status, "step": p.step,
                      "steps_total": p.steps_total, "time_spent_seconds": p.time_spent,
                      "first_seen": p.first_seen, "last_seen": p.last_seen, "completed_at": p.completed_at,
                      "with_help": p.with_help}
                     for p in Progress.select().where(Progress.learner == learner)],
        "quiz_attempts": [{"id": a.uuid, "lesson": a.lesson_key, "course": a.course_id, "answers": a.answers,
                           "score": a.score, "total": a.total, "passed": a.passed, "with_help": a.with_help,
                           "created_at": a.created_at}
                          for a in QuizAttempt.select().where(QuizAttempt.learner == learner)],
        "certificates": [{"code": c.code, "course": c.course_id, "issued_at": c.issued_at}
                         for c in Certificate.select().where(Certificate.learner == learner)],
        "groups": [m.group.name for m in GroupMember.select().where(GroupMember.learner == learner)],
    }


def erase(learner: Learner, now: float | None = None, merged_into: str | None = None) -> None:
    """Delete a learner and all they did, and tell the hub to do the same.

    Unsent events stay queued (the hub's sequence must have no gap) and are deleted there by the
    erase event that follows them; events already sent are emptied here.
    """
    with database.atomic():
        outbox.forget_sent(learner.uuid)
        outbox.append("learner.erased", learner.uuid, {"merged_into": merged_into} if merged_into else {},
                      clock=(lambda: now) if now else time.time)
        learner.delete_instance()       # cascades to progress, attempts, sessions, groups, certificates
