"""The merge rule, applied to each newly received event exactly once.

- union of events (ingest stores each id once);
- a lesson's state is the furthest progress seen: completed beats started, the highest step and the
  largest time spent win, whatever order events arrive in;
- every quiz attempt is kept, keyed by its own id;
- profile fields (name, preferences, "done with help") go to the write with the latest HLC.

Each rule is an SQL upsert whose result does not depend on arrival order, so two hub processes, a
resend, or a batch split differently all end in the same state.
"""
from __future__ import annotations

import json

from peewee import EXCLUDED, Case

from .db import greatest
from .models import Erased, Event, Learner, LessonState, QuizAttempt

PROFILE_TYPES = ("learner.created", "learner.renamed", "learner.prefs")
LESSON_TYPES = ("lesson.progressed", "lesson.completed")


def apply(kiosk_id: str, events: list[dict]) -> None:
    """Fold new events into learners, lesson states and quiz attempts."""
    learners, lessons, attempts = {}, {}, {}
    for event in events:
        if event["learner"]:
            _fold_learner(learners, kiosk_id, event)
        if event["type"] in LESSON_TYPES and event["payload"].get("lesson"):
            _fold_lesson(lessons, event)
        elif event["type"] == "quiz.attempted" and event["payload"].get("attempt"):
            _fold_attempt(attempts, event)
    _upsert_learners(list(learners.values()))
    _upsert_lessons(list(lessons.values()))
    _upsert_attempts(list(attempts.values()))


def _later(row: dict, hlc_key: str, hlc: str) -> bool:
    return hlc > row[hlc_key]


def _fold_learner(rows: dict, kiosk_id: str, event: dict) -> None:
    row = rows.setdefault(event["learner"], {"uuid": event["learner"], "kiosk_id": kiosk_id, "name": None,
                                             "name_hlc": "", "picture": None, "prefs": None, "prefs_hlc": "",
                                             "last_hlc": ""})
    payload, hlc = event["payload"], event["hlc"]
    row["last_hlc"] = max(row["last_hlc"], hlc)
    if event["type"] not in PROFILE_TYPES:
        return
    if "name" in payload and _later(row, "name_hlc", hlc):
        row["name"], row["name_hlc"] = str(payload["name"]), hlc
    if "picture" in payload:
        row["picture"] = str(payload["picture"])
    if "prefs" in payload and _later(row, "prefs_hlc", hlc):
        row["prefs"], row["prefs_hlc"] = json.dumps(payload["prefs"], sort_keys=True), hlc


def _fold_lesson(rows: dict, event: dict) -> None:
    p, hlc = event["payload"], event["hlc"]
    new = {"learner_uuid": event["learner"], "lesson_key": str(p["lesson"]), "course_id": str(p.get("course", "")),
           "completed": p.get("status") == "completed" or event["type"] == "lesson.completed",
           "step": _int(p.get("step")), "steps_total": _int(p.get("steps_total")),
           "time_spent": _int(p.get("time_spent")), "with_help": bool(p.get("with_help")), "help_hlc": hlc,
           "first_hlc": hlc, "last_hlc": hlc}
    key = (new["learner_uuid"], new["lesson_key"])
    old = rows.get(key)
    if old is None:
        rows[key] = new
        return
    latest = new if hlc > old["last_hlc"] else old
    rows[key] = dict(old, completed=old["completed"] or new["completed"], step=max(old["step"], new["step"]),
                     time_spent=max(old["time_spent"], new["time_spent"]), steps_total=latest["steps_total"],
                     course_id=latest["course_id"], with_help=latest["with_help"],
                     help_hlc=max(old["help_hlc"], hlc), first_hlc=min(old["first_hlc"], hlc),
                     last_hlc=max(old["last_hlc"], hlc))


def _fold_attempt(rows: dict, event: dict) -> None:
    p, hlc = event["payload"], event["hlc"]
    old = rows.get(p["attempt"])
    if old is not None and old["hlc"] >= hlc:
        return
    rows[p["attempt"]] = {"attempt": str(p["attempt"]), "learner_uuid": event["learner"],
                          "lesson_key": str(p.get("lesson", "")), "course_id": str(p.get("course", "")),
                          "score": _int(p.get("score")), "total": _int(p.get("total")),
                          "passed": bool(p.get("passed")), "with_help": bool(p.get("with_help")),
                          "hlc": hlc, "event_id": event["id"]}


def _chunks(rows: list[dict], size: int = 1000):
    """Slices small enough for SQLite's limit on bound values in one statement."""
    return (rows[start:start + size] for start in range(0, len(rows), size))


def _int(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _if_later(excluded_hlc, current_hlc, excluded_value, current_value):
    return Case(None, [(excluded_hlc > current_hlc, excluded_value)], current_value)


def _upsert(model, rows: list[dict], target: list, update: dict) -> None:
    for chunk in _chunks(rows):
        model.insert_many(chunk).on_conflict(conflict_target=target, update=update).execute()


def _upsert_learners(rows: list[dict]) -> None:
    L = Learner
    _upsert(L, rows, [L.uuid], {
        L.name: _if_later(EXCLUDED.name_hlc, L.name_hlc, EXCLUDED.name, L.name),
        L.name_hlc: greatest(L.name_hlc, EXCLUDED.name_hlc),
        L.picture: Case(None, [(L.picture.is_null(), EXCLUDED.picture)], L.picture),
        L.prefs: _if_later(EXCLUDED.prefs_hlc, L.prefs_hlc, EXCLUDED.prefs, L.prefs),
        L.prefs_hlc: greatest(L.prefs_hlc, EXCLUDED.prefs_hlc),
        L.last_hlc: greatest(L.last_hlc, EXCLUDED.last_hlc),
    })


def _upsert_lessons(rows: list[dict]) -> None:
    S = LessonState
    _upsert(S, rows, [S.learner_uuid, S.lesson_key], {
        S.completed: greatest(S.completed, EXCLUDED.completed),
        S.step: greatest(S.step, EXCLUDED.step),
        S.time_spent: greatest(S.time_spent, EXCLUDED.time_spent),
        S.steps_total: _if_later(EXCLUDED.last_hlc, S.last_hlc, EXCLUDED.steps_total, S.steps_total),
        S.course_id: _if_later(EXCLUDED.last_hlc, S.last_hlc, EXCLUDED.course_id, S.course_id),
        S.with_help: _if_later(EXCLUDED.help_hlc, S.help_hlc, EXCLUDED.with_help, S.with_help),
        S.help_hlc: greatest(S.help_hlc, EXCLUDED.help_hlc),
        S.first_hlc: Case(None, [(EXCLUDED.first_hlc < S.first_hlc, EXCLUDED.first_hlc)], S.first_hlc),
        S.last_hlc: greatest(S.last_hlc, EXCLUDED.last_hlc),
    })


def _upsert_attempts(rows: list[dict]) -> None:
    A = QuizAttempt
    _upsert(A, rows, [A.attempt], {
        A.learner_uuid: _if_later(EXCLUDED.hlc, A.hlc, EXCLUDED.learner_uuid, A.learner_uuid),
        A.event_id: _if_later(EXCLUDED.hlc, A.hlc, EXCLUDED.event_id, A.event_id),
        A.hlc: greatest(A.hlc, EXCLUDED.hlc),
    })


def erase(learner_uuid: str, now: float) -> None:
    """Delete what the hub knows of a learner; keep a content-free stub of each event (see docs)."""
    Erased.insert(learner_uuid=learner_uuid, erased_at=now).on_conflict_ignore().execute()
    LessonState.delete().where(LessonState.learner_uuid == learner_uuid).execute()
    QuizAttempt.delete().where(QuizAttempt.learner_uuid == learner_uuid).execute()
    Learner.delete().where(Learner.uuid == learner_uuid).execute()
    Event.update(learner_uuid=None, payload=None, digest="").where(Event.learner_uuid == learner_uuid).execute()
