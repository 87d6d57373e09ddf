"""CSV exports that open correctly, and safely, in a French spreadsheet: UTF-8 with BOM, ';' or ','
separator, no cell a spreadsheet would run as a formula."""
from __future__ import annotations

from datetime import datetime

from sync.base.spreadsheet import to_csv  # noqa: F401  (one writer for every CSV; the dashboard calls it here)

from . import catalog
from .models import Learner, Progress, QuizAttempt

SEPARATORS = {"semicolon": ";", "comma": ","}


def progress_rows(lang: str) -> tuple[list[str], list[list]]:
    """One row per learner and lesson: status, time spent, done alone or with help, best quiz score."""
    titles: dict[str, str] = {}
    course_titles: dict[str, str] = {}
    for course in catalog.courses(lang):
        course_titles[course.id] = course.title
        titles.update({les.key: les.title for les in course.lessons})
    best: dict[tuple[int, str], int] = {}
    for attempt in QuizAttempt.select():
        key = (attempt.learner_id, attempt.lesson_key)
        percent = round(100 * attempt.score / attempt.total) if attempt.total else 0
        best[key] = max(best.get(key, 0), percent)
    header = ["learner", "learner_id", "course", "lesson", "status", "completed_on", "minutes",
              "with_help", "best_quiz_percent"]
    rows = []
    query = Progress.select(Progress, Learner).join(Learner).order_by(Learner.name, Progress.course_id)
    for p in query:
        rows.append([p.learner.name, p.learner.uuid, course_titles.get(p.course_id, p.course_id),
                     titles.get(p.lesson_key, p.lesson_key), p.status,
                     datetime.fromtimestamp(p.completed_at).strftime("%Y-%m-%d") if p.completed_at else "",
                     round(p.time_spent / 60), p.with_help,
                     best.get((p.learner_id, p.lesson_key), "")])
    return header, rows
