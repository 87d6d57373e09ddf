"""What hub facilitators read: kiosks and their lag, learners' progress per course, CSV rows.

Each takes the reader's scope (sync/hub/scopes.py), without a default: a page cannot forget it."""
from __future__ import annotations

import time
from collections import defaultdict

from peewee import JOIN, fn

from sync.base.spreadsheet import csv_safe  # noqa: F401  (one rule with the kiosk; the CSV view calls it here)

from .models import Kiosk, KioskContent, KioskEpoch, Learner, LessonState, QuizAttempt
from .scopes import Scope


def kiosks(scope: Scope, now: float | None = None) -> list[dict]:
    """Each kiosk of the scope: when it was last heard from, events received, and what it still held then."""
    now = now or time.time()
    acked = defaultdict(dict)
    for row in KioskEpoch.select().where(scope.covers_kiosk(KioskEpoch.kiosk)):
        acked[row.kiosk_id][row.epoch] = row.acked_seq
    content = {row.kiosk_id: row for row in KioskContent.select().where(scope.covers_kiosk(KioskContent.kiosk_id))}
    return [{"id": k.id, "centre": k.centre, "enrolled_at": k.enrolled_at, "last_seen": k.last_seen,
             "silent_for": (now - k.last_seen) if k.last_seen else None, "events": k.events_received,
             "waiting": k.pending_reported, "acked": acked.get(k.id, {}), "content": content.get(k.id)}
            for k in Kiosk.select().where(scope.covers_centre(Kiosk.centre)).order_by(Kiosk.centre, Kiosk.enrolled_at)]


def learner_progress(scope: Scope) -> list[dict]:
    """One row per learner of the scope and course: lessons started and completed, quiz attempts, time spent."""
    lessons = (LessonState.select(LessonState.learner_uuid, LessonState.course_id,
                                  fn.COUNT(LessonState.lesson_key).alias("started"),
                                  fn.SUM(LessonState.completed.cast("int")).alias("completed"),
                                  fn.SUM(LessonState.time_spent).alias("seconds"))
               .where(scope.covers_learner(LessonState.learner_uuid))
               .group_by(LessonState.learner_uuid, LessonState.course_id).dicts())
    attempts = {(r["learner_uuid"], r["course_id"]): r for r in
                QuizAttempt.select(QuizAttempt.learner_uuid, QuizAttempt.course_id,
                                   fn.COUNT(QuizAttempt.attempt).alias("attempts"),
                                   fn.SUM(QuizAttempt.passed.cast("int")).alias("passed"))
                .where(scope.covers_learner(QuizAttempt.learner_uuid))
                .group_by(QuizAttempt.learner_uuid, QuizAttempt.course_id).dicts()}
    people = {p.uuid: p for p in Learner.select(Learner, Kiosk.centre).join(
        Kiosk, JOIN.LEFT_OUTER, on=(Learner.kiosk_id == Kiosk.id)).where(scope.covers_kiosk(Learner.kiosk_id)).objects()}
    rows = []
    for row in lessons:
        key = (row["learner_uuid"], row["course_id"])
        person = people.get(row["learner_uuid"])
        quiz = attempts.pop(key, {"attempts": 0, "passed": 0})
        rows.append(_row(row["learner_uuid"], person, row["course_id"], row["started"], row["completed"] or 0,
                         row["seconds"] or 0, quiz["attempts"], quiz["passed"] or 0))
    for (learner, course), quiz in attempts.items():       # attempts on lessons never progressed
        rows.append(_row(learner, people.get(learner), course, 0, 0, 0, quiz["attempts"], quiz["passed"] or 0))
    return sorted(rows, key=lambda r: (r["centre"], r["name"].lower(), r["learner"], r["course"]))


def _row(uuid, person, course, started, completed, seconds, attempts, passed) -> dict:
    return {"learner": uuid, "name": (person.name if person else None) or "", "centre": getattr(person, "centre", "") or "",
            "course": course, "lessons_started": started, "lessons_completed": completed,
            "minutes": round(seconds / 60), "quiz_attempts": attempts, "quizzes_passed": passed}


CSV_COLUMNS = ["centre", "learner", "name", "course", "lessons_started", "lessons_completed", "minutes",
               "quiz_attempts", "quizzes_passed"]
