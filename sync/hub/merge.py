"""The merge rule, applied to each newly received event exactly once.

- union of events (ingest stores each id once);
- a lesson's state is the furthest progress seen: completed beats started, the highest step and the
  largest time spent win, whatever order events arrive in;
- every quiz attempt is kept, keyed by its own id;
- profile fields (name, preferences, PIN hash, "on this kiosk only", "done with help") go to the write
  with the latest HLC.

Each rule is an SQL upsert whose result does not depend on arrival order, so two hub processes, a
resend, or a batch split differently all end in the same state.
"""
from __future__ import annotations

import json

from . import bulk, set_aside
from .models import Erased, Event, Learner, LessonState, QuizAttempt

PROFILE_TYPES = ("learner.created", "learner.renamed", "learner.prefs", "learner.pin", "learner.roaming")
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
                                             "last_hlc": "", "pin_hash": None, "pin_hlc": "",
                                             "local_only": False, "local_hlc": "",
                                             "card_seq": 0})        # stamped by cards.changed
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
    if "pin_hash" in payload and _later(row, "pin_hlc", hlc):
        pin = payload["pin_hash"]
        row["pin_hash"], row["pin_hlc"] = (pin if isinstance(pin, str) and pin else None), hlc
    if "local_only" in payload and _later(row, "local_hlc", hlc):
        row["local_only"], row["local_hlc"] = payload["local_only"] is True, hlc


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


def _int(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _upsert(model, rows: list[dict], target: list[str], updates: dict[str, str]) -> None:
    """Insert merged rows; where one exists already, combine with `updates` (SQL per column)."""
    if not rows:
        return
    columns = list(rows[0])
    t = bulk.table(model)
    sets = ", ".join(f"{column} = {sql.format(t=f'{chr(34)}{t}{chr(34)}')}" for column, sql in updates.items())
    bulk.insert(model, columns, [tuple(row[c] for c in columns) for row in rows],
                f"ON CONFLICT ({', '.join(target)}) DO UPDATE SET {sets}")


def _upsert_learners(rows: list[dict]) -> None:
    _upsert(Learner, rows, ["uuid"], {
        "name": bulk.if_later("excluded.name_hlc", "{t}.name_hlc", "excluded.name", "{t}.name"),
        "name_hlc": bulk.greatest("{t}.name_hlc", "excluded.name_hlc"),
        "picture": "COALESCE({t}.picture, excluded.picture)",
        "prefs": bulk.if_later("excluded.prefs_hlc", "{t}.prefs_hlc", "excluded.prefs", "{t}.prefs"),
        "prefs_hlc": bulk.greatest("{t}.prefs_hlc", "excluded.prefs_hlc"),
        "pin_hash": bulk.if_later("excluded.pin_hlc", "{t}.pin_hlc", "excluded.pin_hash", "{t}.pin_hash"),
        "pin_hlc": bulk.greatest("{t}.pin_hlc", "excluded.pin_hlc"),
        "local_only": bulk.if_later("excluded.local_hlc", "{t}.local_hlc", "excluded.local_only", "{t}.local_only"),
        "local_hlc": bulk.greatest("{t}.local_hlc", "excluded.local_hlc"),
        "last_hlc": bulk.greatest("{t}.last_hlc", "excluded.last_hlc"),
    })


def _upsert_lessons(rows: list[dict]) -> None:
    _upsert(LessonState, rows, ["learner_uuid", "lesson_key"], {
        "completed": bulk.greatest("{t}.completed", "excluded.completed"),
        "step": bulk.greatest("{t}.step", "excluded.step"),
        "time_spent": bulk.greatest("{t}.time_spent", "excluded.time_spent"),
        "steps_total": bulk.if_later("excluded.last_hlc", "{t}.last_hlc", "excluded.steps_total", "{t}.steps_total"),
        "course_id": bulk.if_later("excluded.last_hlc", "{t}.last_hlc", "excluded.course_id", "{t}.course_id"),
        "with_help": bulk.if_later("excluded.help_hlc", "{t}.help_hlc", "excluded.with_help", "{t}.with_help"),
        "help_hlc": bulk.greatest("{t}.help_hlc", "excluded.help_hlc"),
        "first_hlc": bulk.if_later("{t}.first_hlc", "excluded.first_hlc", "excluded.first_hlc", "{t}.first_hlc"),
        "last_hlc": bulk.greatest("{t}.last_hlc", "excluded.last_hlc"),
    })


def _upsert_attempts(rows: list[dict]) -> None:
    _upsert(QuizAttempt, rows, ["attempt"], {
        "learner_uuid": bulk.if_later("excluded.hlc", "{t}.hlc", "excluded.learner_uuid", "{t}.learner_uuid"),
        "event_id": bulk.if_later("excluded.hlc", "{t}.hlc", "excluded.event_id", "{t}.event_id"),
        "hlc": bulk.greatest("{t}.hlc", "excluded.hlc"),
    })


def erase(learner_uuid: str, now: float, merged_into: str | None = None) -> None:
    """Delete what the hub knows of a learner; keep a content-free stub of each event (see docs).

    The erasure row keeps the learner's origin kiosk, so the kiosks of their network hear of it (cards.py)."""
    origin = Learner.select(Learner.kiosk_id).where(Learner.uuid == learner_uuid).scalar()
    Erased.insert(learner_uuid=learner_uuid, erased_at=now, kiosk_id=origin,
                  merged_into=merged_into).on_conflict_ignore().execute()
    LessonState.delete().where(LessonState.learner_uuid == learner_uuid).execute()
    QuizAttempt.delete().where(QuizAttempt.learner_uuid == learner_uuid).execute()
    Learner.delete().where(Learner.uuid == learner_uuid).execute()
    Event.update(learner_uuid=None, payload=None).where(Event.learner_uuid == learner_uuid).execute()
    set_aside.forget_learner(learner_uuid)
