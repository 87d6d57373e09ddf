"""Summaries kept up to date at ingest: per learner, per learner and course, per kiosk (docs/hub-read-side.md).

`record` runs inside ingest's transaction, after the merge, with the events newly stored: the summaries
commit or roll back with the events they summarise, and a resent batch (no event newly stored) changes
nothing. Each touched learner's rows are recomputed from the merged state (lesson states, quiz attempts,
certificates), never counted from events, so the result does not depend on arrival order or on how
batches were cut. The merge has just upserted these learners' rows, so on PostgreSQL a second hub process
touching the same learner waits for this transaction, then reads what it committed. Kiosk totals move by
the difference between a learner's old and new rows. Nothing here depends on how events are stored.
"""
from __future__ import annotations

from collections import defaultdict

import peewee as pw

from . import bulk, certificates
from .db import among
from .models import Certificate, Kiosk, KioskSummary, Learner, LearnerCourse, LearnerSummary, LessonState, QuizAttempt

CHUNK = 500
COUNTS = ["lessons_started", "lessons_completed", "done_alone", "done_with_help", "seconds", "quiz_attempts",
          "quizzes_passed"]
KIOSK_COUNTS = ["learners", "lessons_completed", "done_alone", "done_with_help", "seconds", "quizzes_passed",
                "certificates"]


def record(kiosk_id: str, kept: list[dict], erased: set[str]) -> None:
    """Fold a batch's newly stored events (`kept`: those of learners not erased) and its erasures in."""
    certificates.keep(kiosk_id, kept)
    certificates.forget(erased)
    refresh({e["learner"] for e in kept if e["learner"]} | erased)


def refresh(learners: set[str]) -> None:
    """Recompute these learners' summaries from the merged state; an erased learner's rows go."""
    ordered = sorted(learners)
    for start in range(0, len(ordered), CHUNK):
        _refresh(ordered[start:start + CHUNK])


def _refresh(uuids: list[str]) -> None:
    courses = _courses(uuids)
    people = _people(uuids, courses)
    old = list(LearnerSummary.select().where(among(LearnerSummary.learner_uuid, uuids)).dicts())
    LearnerCourse.delete().where(among(LearnerCourse.learner_uuid, uuids)).execute()
    LearnerSummary.delete().where(among(LearnerSummary.learner_uuid, uuids)).execute()
    rows = [dict(learner_uuid=u, course_id=c, **counts) for (u, c), counts in sorted(courses.items())]
    if rows:
        bulk.insert(LearnerCourse, list(rows[0]), [tuple(r.values()) for r in rows])
    if people:
        bulk.insert(LearnerSummary, list(people[0]), [tuple(p.values()) for p in people])
    _move_kiosks(old, people)


def _courses(uuids: list[str]) -> dict[tuple[str, str], dict]:
    """{(learner, course): counts} from lesson states and quiz attempts."""
    done = LessonState.completed == True
    helped = LessonState.with_help == True
    counts: dict = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for r in (LessonState.select(LessonState.learner_uuid, LessonState.course_id,
                                 pw.fn.COUNT(LessonState.lesson_key).alias("started"),
                                 pw.fn.SUM(pw.Case(None, [(done, 1)], 0)).alias("completed"),
                                 pw.fn.SUM(pw.Case(None, [(done & ~helped, 1)], 0)).alias("alone"),
                                 pw.fn.SUM(pw.Case(None, [(done & helped, 1)], 0)).alias("helped"),
                                 pw.fn.SUM(LessonState.time_spent).alias("seconds"))
              .where(among(LessonState.learner_uuid, uuids))
              .group_by(LessonState.learner_uuid, LessonState.course_id).tuples()):
        counts[r[0], r[1]].update(zip(COUNTS[:5], (int(v or 0) for v in r[2:])))
    for learner, course, attempts, passed in (
            QuizAttempt.select(QuizAttempt.learner_uuid, QuizAttempt.course_id, pw.fn.COUNT(QuizAttempt.attempt),
                               pw.fn.SUM(pw.Case(None, [(QuizAttempt.passed == True, 1)], 0)))
            .where(among(QuizAttempt.learner_uuid, uuids))
            .group_by(QuizAttempt.learner_uuid, QuizAttempt.course_id).tuples()):
        counts[learner, course].update(quiz_attempts=int(attempts), quizzes_passed=int(passed or 0))
    return counts


def _people(uuids: list[str], courses: dict) -> list[dict]:
    """The learner summary rows of those of `uuids` the hub still holds."""
    held = Certificate.select(Certificate.learner_uuid, pw.fn.COUNT(Certificate.code)) \
        .where(among(Certificate.learner_uuid, uuids)).group_by(Certificate.learner_uuid).tuples()
    certified = dict(held)
    learners = list(Learner.select(Learner.uuid, Learner.kiosk_id, Learner.name, Learner.last_hlc)
                    .where(among(Learner.uuid, uuids)).tuples())
    centres = dict(Kiosk.select(Kiosk.id, Kiosk.centre).where(Kiosk.id.in_(sorted({k for _, k, _, _ in learners})))
                   .tuples()) if learners else {}
    totals: dict = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for (learner, _course), counts in courses.items():
        for name, value in counts.items():
            totals[learner][name] += value
    return [dict(learner_uuid=uuid, kiosk_id=kiosk, centre=centres.get(kiosk, ""), name=name,
                 name_key=name_key(name), **totals[uuid], certificates=certified.get(uuid, 0),
                 last_seen=_seconds(last_hlc)) for uuid, kiosk, name, last_hlc in learners]


def name_key(name: str | None) -> str:
    """How names are ordered and searched: casefolded, so "awa" finds "Awa" in any script."""
    return (name or "").casefold()


def _seconds(hlc: str | None) -> float | None:
    head = (hlc or "").split("-")[0]
    return int(head) / 1000 if head.isdecimal() else None


def _move_kiosks(old: list[dict], new: list[dict]) -> None:
    """Add each kiosk's difference between its learners' new and old rows (a learner counts once)."""
    moves: dict = {}
    for rows, sign in ((old, -1), (new, 1)):
        for r in rows:
            move = moves.setdefault(r["kiosk_id"], dict(centre=r["centre"], last_seen=None,
                                                       **dict.fromkeys(KIOSK_COUNTS, 0)))
            move["learners"] += sign
            for name in KIOSK_COUNTS[1:]:
                move[name] += sign * r[name]
            if sign > 0 and r["last_seen"] is not None:
                move["last_seen"] = max(move["last_seen"] or 0, r["last_seen"])
    if not moves:
        return
    columns = ["kiosk_id", "centre", "last_seen"] + KIOSK_COUNTS
    t = f'"{bulk.table(KioskSummary)}"'
    sets = [f"{c} = {t}.{c} + excluded.{c}" for c in KIOSK_COUNTS] + \
        ["last_seen = " + bulk.greatest(f"COALESCE({t}.last_seen, 0)", "COALESCE(excluded.last_seen, 0)")]
    bulk.insert(KioskSummary, columns, [(k, m["centre"], m["last_seen"], *(m[c] for c in KIOSK_COUNTS))
                                        for k, m in sorted(moves.items())],
                f"ON CONFLICT (kiosk_id) DO UPDATE SET {', '.join(sets)}")
