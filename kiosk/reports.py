"""Figures for facilitators and funders: activity, completion, quiz scores, hard questions, who is stuck.

Every function takes `now` so reports can be checked against a fixed fixture.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from peewee import fn

from . import catalog
from .models import Learner, Progress, QuizAttempt

WEEK = 7 * 86400


@dataclass
class Overview:
    active_learners: int
    lessons_completed: int
    completed_alone: int
    completed_with_help: int
    hours_spent: float
    learners_total: int


def overview(now: float) -> Overview:
    """This week's activity; completions split into done alone and done with help."""
    since = now - WEEK
    done = Progress.select().where(Progress.completed_at >= since)
    with_help = done.where(Progress.with_help == True).count()   # noqa: E712 (peewee expression)
    total = done.count()
    seconds = (Progress.select(fn.COALESCE(fn.SUM(Progress.time_spent), 0))
               .where(Progress.last_seen >= since).scalar())
    return Overview(active_learners=Learner.select().where(Learner.last_active >= since).count(),
                    lessons_completed=total, completed_alone=total - with_help,
                    completed_with_help=with_help, hours_spent=round(seconds / 3600, 1),
                    learners_total=Learner.select().count())


def best_scores() -> dict[tuple[int, str], QuizAttempt]:
    """Each learner's best attempt per lesson."""
    best: dict[tuple[int, str], QuizAttempt] = {}
    for attempt in QuizAttempt.select():
        key = (attempt.learner_id, attempt.lesson_key)
        if key not in best or _percent(attempt) > _percent(best[key]):
            best[key] = attempt
    return best


def course_completion(course, progress_rows: list[Progress], best: dict) -> bool:
    """A course is complete when every lesson is completed and every quiz passed at the course's mark."""
    done = {p.lesson_key for p in progress_rows if p.status == "completed"}
    if not course.lessons or any(les.key not in done for les in course.lessons):
        return False
    mark = course.completion.get("pass_mark", 70)
    learner_id = progress_rows[0].learner_id if progress_rows else None
    for les in course.lessons:
        if not les.has_quiz:
            continue
        attempt = best.get((learner_id, les.key))
        if attempt is None or _percent(attempt) < mark:
            return False
    return True


def per_course(lang: str) -> list[dict]:
    """Per course: learners who started, who completed, the completion rate and the average quiz score."""
    courses = catalog.courses(lang)
    best = best_scores()
    rows_by_learner_course: dict[tuple[int, str], list] = defaultdict(list)
    for row in Progress.select():
        rows_by_learner_course[(row.learner_id, row.course_id)].append(row)
    result = []
    for course in courses:
        learners = [rows for (lid, cid), rows in rows_by_learner_course.items() if cid == course.id]
        completed = sum(course_completion(course, rows, best) for rows in learners)
        keys = {les.key for les in course.lessons}
        scores = [_percent(a) for (lid, key), a in best.items() if key in keys]
        result.append({"course": course, "started": len(learners), "completed": completed,
                       "rate": round(100 * completed / len(learners)) if learners else 0,
                       "average_score": round(sum(scores) / len(scores)) if scores else None})
    return result


def hardest_questions(lang: str, limit: int = 10) -> list[dict]:
    """Questions most often answered wrongly (share of wrong answers over all attempts)."""
    asked: dict[tuple[str, int], int] = defaultdict(int)
    failed: dict[tuple[str, int], int] = defaultdict(int)
    for attempt in QuizAttempt.select(QuizAttempt.lesson_key, QuizAttempt.results):
        for index, result in enumerate(attempt.results):
            asked[(attempt.lesson_key, index)] += 1
            failed[(attempt.lesson_key, index)] += 0 if result.get("correct") else 1
    ranked = sorted((k for k in asked if failed[k]), key=lambda k: (-failed[k] / asked[k], -asked[k]))
    rows = []
    for lesson_key, index in ranked[:limit]:
        lesson = catalog.lesson_by_key(lesson_key, lang)
        if lesson is None or not lesson.quiz or index >= len(lesson.quiz.questions):
            continue
        rows.append({"lesson": lesson, "question": lesson.quiz.questions[index].text,
                     "failed": failed[(lesson_key, index)], "asked": asked[(lesson_key, index)],
                     "rate": round(100 * failed[(lesson_key, index)] / asked[(lesson_key, index)])})
    return rows


def stuck_learners(now: float, days: int, lang: str) -> list[dict]:
    """Learners with a lesson started but no progress at all for `days` days."""
    cutoff = now - days * 86400
    latest = (Progress.select(Progress.learner, fn.MAX(Progress.last_seen).alias("latest"))
              .group_by(Progress.learner).having(fn.MAX(Progress.last_seen) < cutoff))
    rows = []
    for item in latest:
        open_rows = list(Progress.select().where((Progress.learner == item.learner_id) &
                                                 (Progress.status == "started")))
        if not open_rows:
            continue
        learner = Learner.get_by_id(item.learner_id)
        lesson = catalog.lesson_by_key(max(open_rows, key=lambda p: p.last_seen).lesson_key, lang)
        rows.append({"learner": learner, "lesson": lesson, "days": int((now - item.latest) // 86400)})
    return sorted(rows, key=lambda r: -r["days"])


def _percent(attempt: QuizAttempt) -> float:
    return 100 * attempt.score / attempt.total if attempt.total else 0
