"""The one place learners' progress is written, each change with its outbox event in one transaction."""
from __future__ import annotations

import time
import uuid

from sync.client import outbox
from sync.wire import checks

from . import writer
from .content.quizmodel import Quiz
from .db import database
from .grading import grade
from .models import Learner, Progress, QuizAttempt

STARTED, COMPLETED = "started", "completed"
MAX_GAP = 300      # seconds: a longer pause between two steps is not counted as time spent
ANSWER_CUT = 40    # letters of each typed answer sent when a whole attempt would be too large


def record_step(learner: Learner, lesson_key: str, course_id: str, step: int, steps_total: int,
                now: float | None = None) -> Progress:
    """Remember the step a learner reached in a lesson (never moving a completed lesson backwards)."""
    step = max(0, min(step, steps_total))
    return _visit(learner, lesson_key, course_id, steps_total, now or time.time(), step)


def complete_lesson(learner: Learner, lesson_key: str, course_id: str, steps_total: int,
                    with_help: bool = False, now: float | None = None) -> Progress:
    """Mark a lesson done; 'with help' is kept, because autonomy is what funders measure."""
    return _visit(learner, lesson_key, course_id, steps_total, now or time.time(), steps_total,
                  done=True, with_help=with_help)


@writer.grouped
def _visit(learner: Learner, lesson_key: str, course_id: str, steps_total: int, now: float, step: int,
           done: bool = False, with_help: bool = False) -> Progress:
    """Record one visit to a lesson: time spent, the step reached, completion when `done`, the event."""
    row = _row(learner, lesson_key) or _new_row(learner, lesson_key, course_id, steps_total, now)
    row.time_spent += int(min(max(now - row.last_seen, 0), MAX_GAP))
    if done and row.status != COMPLETED:
        row.status, row.completed_at = COMPLETED, now
    if not done:
        row.steps_total = steps_total      # completing keeps the length the row already has
    row.step, row.last_seen = step, now
    row.with_help = row.with_help or with_help
    _save(row)
    database.execute_sql(_LAST_LESSON, (lesson_key, learner.id))
    outbox.append(_event(row, reading=not done), learner.uuid, payload(row), clock=lambda: now)
    return row


def _event(row: Progress, reading: bool = False) -> str:
    """The outbox event a change of `row` makes.

    A step read is 'progressed' even in a completed lesson (the hub reports re-reading as reading);
    any other change says whether the lesson is completed.
    """
    return "lesson.completed" if row.status == COMPLETED and not reading else "lesson.progressed"


@writer.grouped
def record_quiz_attempt(learner: Learner, lesson_key: str, course_id: str, quiz: Quiz,
                        answers: dict[int, list[str]], steps_total: int, with_help: bool = False,
                        now: float | None = None) -> QuizAttempt:
    """Mark and keep an attempt (every attempt is kept) and complete the lesson, in one transaction."""
    now = now or time.time()
    marked = grade(quiz, answers)
    attempt = _built(QuizAttempt, {
        "id": None, "uuid": str(uuid.uuid4()), "learner": learner.id, "lesson_key": lesson_key,
        "course_id": course_id, "answers": {str(k): v for k, v in answers.items()}, "results": marked["results"],
        "score": marked["score"], "total": marked["total"], "passed": marked["passed"], "with_help": with_help,
        "created_at": now})
    attempt.id = _insert(QuizAttempt, attempt)
    attempt.__rel__["learner"] = learner
    outbox.append("quiz.attempted", learner.uuid, attempt_payload(attempt), clock=lambda: now)
    complete_lesson(learner, lesson_key, course_id, steps_total, with_help=with_help, now=now)
    return attempt


def attempt_payload(attempt: QuizAttempt) -> dict:
    """What the hub learns of a quiz attempt.

    A long quiz of typed answers could pass the hub's size limit (checks.MAX_PAYLOAD): its answers then
    travel cut to ANSWER_CUT letters, or not at all, with `answers_cut`; the kiosk keeps them whole.
    """
    payload = {"attempt": attempt.uuid, "lesson": attempt.lesson_key, "course": attempt.course_id,
               "score": attempt.score, "total": attempt.total, "passed": attempt.passed,
               "with_help": attempt.with_help, "answers": attempt.answers,
               "correct": [r["correct"] for r in attempt.results]}
    if _too_large(payload):
        payload.update(answers={k: [str(v)[:ANSWER_CUT] for v in given] for k, given in attempt.answers.items()},
                       answers_cut=True)
    if _too_large(payload):
        payload["answers"] = {}
    return payload


def _too_large(payload: dict) -> bool:
    problem = checks.payload_problem(payload)
    return problem is not None and problem.reason == checks.TOO_LARGE


def payload(row: Progress) -> dict:
    """What the hub learns of a learner's state in one lesson."""
    return {"lesson": row.lesson_key, "course": row.course_id, "status": row.status, "step": row.step,
            "steps_total": row.steps_total, "time_spent": row.time_spent, "with_help": row.with_help}


def for_learner(learner: Learner) -> dict[str, Progress]:
    """A learner's progress by lesson key (every page reads it: one prepared query, rows built directly)."""
    return {row.lesson_key: row for row in map(_progress_row, database.execute_sql(_SELECT, (learner.id,)))}


def last_attempt(learner: Learner, lesson_key: str) -> QuizAttempt | None:
    return (QuizAttempt.select().where((QuizAttempt.learner == learner) &
                                       (QuizAttempt.lesson_key == lesson_key))
            .order_by(QuizAttempt.created_at.desc(), QuizAttempt.id.desc()).first())


@writer.grouped
def set_with_help(learner: Learner, lesson_key: str, with_help: bool, now: float | None = None) -> None:
    """Assisted mode: a facilitator records that a lesson was (or was not) done with help."""
    now = now or time.time()
    row = _row(learner, lesson_key)
    if row is None or row.with_help == with_help:
        return
    row.with_help = with_help
    _save(row)
    outbox.append(_event(row), learner.uuid, payload(row), clock=lambda: now)


def fold_progress(keep: Learner, other: Learner, now: float) -> None:
    """Fold `other`'s progress and quiz attempts into `keep`'s (one person, two cards), with their events.

    Furthest progress wins and time spent adds up; every attempt is kept and becomes `keep`'s.
    """
    with database.atomic():
        mine = for_learner(keep)
        for theirs in Progress.select().where(Progress.learner == other):
            row = mine.get(theirs.lesson_key)
            if row is None:
                row = Progress(learner=keep, lesson_key=theirs.lesson_key, course_id=theirs.course_id,
                               status=theirs.status, step=theirs.step, steps_total=theirs.steps_total,
                               time_spent=0, first_seen=theirs.first_seen, last_seen=theirs.last_seen)
            _fold(row, theirs)
            row.save()
            outbox.append(_event(row), keep.uuid, payload(row), clock=lambda: now)
        for attempt in QuizAttempt.select().where(QuizAttempt.learner == other):
            QuizAttempt.update(learner=keep).where(QuizAttempt.id == attempt.id).execute()
            attempt.learner = keep
            outbox.append("quiz.attempted", keep.uuid, attempt_payload(attempt), clock=lambda: now)


def _fold(row: Progress, theirs: Progress) -> None:
    if theirs.status == COMPLETED and row.status != COMPLETED:
        row.status, row.completed_at = COMPLETED, theirs.completed_at
    elif theirs.status == COMPLETED and theirs.completed_at:
        row.completed_at = min(row.completed_at or theirs.completed_at, theirs.completed_at)
    row.step = max(row.step, theirs.step)
    row.time_spent += theirs.time_spent
    row.first_seen = min(row.first_seen, theirs.first_seen)
    row.last_seen = max(row.last_seen, theirs.last_seen)
    row.with_help = row.with_help or theirs.with_help


# Rows in plain SQL: the hot path of every answer and every page, where building queries cost more than running them.

_FIELDS = {model: [f for f in model._meta.sorted_fields if f.name != "id"] for model in (Progress, QuizAttempt)}
_INSERT = {model: 'INSERT INTO "{}" ({}) VALUES ({})'.format(
    model._meta.table_name, ", ".join(f'"{f.column_name}"' for f in fields), ", ".join("?" * len(fields)))
    for model, fields in _FIELDS.items()}
_UPDATE = 'UPDATE "progress" SET {} WHERE "id" = ?'.format(
    ", ".join(f'"{f.column_name}" = ?' for f in _FIELDS[Progress]))
_NAMES = [f.name for f in Progress._meta.sorted_fields]
_SELECT = 'SELECT {} FROM "progress" WHERE "learner_id" = ?'.format(
    ", ".join(f'"{f.column_name}"' for f in Progress._meta.sorted_fields))
_SELECT_ONE = _SELECT + ' AND "lesson_key" = ?'
_LAST_LESSON = 'UPDATE "learner" SET "last_lesson" = ? WHERE "id" = ?'


def _built(model, data: dict):
    """A model instance holding `data` as its fields' values, as if read from the database."""
    row = model(__no_default__=True)
    row.__data__ = data
    return row


def _progress_row(values) -> Progress:
    data = dict(zip(_NAMES, values))
    data["with_help"] = bool(data["with_help"])
    return _built(Progress, data)


def _row(learner: Learner, lesson_key: str) -> Progress | None:
    found = database.execute_sql(_SELECT_ONE, (learner.id, lesson_key)).fetchone()
    return _progress_row(found) if found else None


def _new_row(learner: Learner, lesson_key: str, course_id: str, steps_total: int, now: float) -> Progress:
    return _built(Progress, {"id": None, "learner": learner.id, "lesson_key": lesson_key, "course_id": course_id,
                             "status": STARTED, "step": 0, "steps_total": steps_total, "time_spent": 0,
                             "first_seen": now, "last_seen": now, "completed_at": None, "with_help": False})


def _values(model, row) -> list:
    return [f.db_value(row.__data__[f.name]) for f in _FIELDS[model]]


def _insert(model, row) -> int:
    return database.last_insert_id(database.execute_sql(_INSERT[model], _values(model, row)))


def _save(row: Progress) -> None:
    if row.id is None:
        row.id = _insert(Progress, row)
    else:
        database.execute_sql(_UPDATE, [*_values(Progress, row), row.id])
