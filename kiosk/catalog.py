"""Reading the indexed catalogue in a learner's language, with fallback, and searching it."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from .content.levels import easy_language, is_easy, spoken_language
from .content.quizmodel import Quiz
from .db import database
from .models import Course, Lesson, LessonVersion


@dataclass
class CourseView:
    id: str
    title: str
    description: str
    language: str
    cover: str | None
    cover_alt: str
    audience: str
    skills: list
    completion: dict
    lessons: list = field(default_factory=list)


@dataclass
class LessonView:
    key: str
    slug: str
    course_id: str
    title: str
    language: str
    duration: int | None
    objectives: list = field(default_factory=list)
    steps: list = field(default_factory=list)
    quiz: Quiz | None = None
    audio: str | None = None
    translated: bool = True         # False when shown in another language than the learner's
    has_quiz: bool = False
    has_easy: bool = False          # an easy-to-read version exists in this language (content/levels.py)
    easy: bool = False              # this is the easy-to-read version
    stored_language: str = ""       # the version's row: 'fr', or 'fr-x-easy' for the easy one


def pick_language(available, wanted: str, course_language: str) -> str:
    """The learner's language, else the course's, else any the item has."""
    available = list(available)
    for choice in (wanted, wanted.split("_")[0], course_language):
        if choice in available:
            return choice
    return min(available)


def _course_view(course: Course, lang: str) -> CourseView:
    texts = course.texts.get(pick_language(course.texts, lang, course.language), {})
    base = course.texts.get(course.language, {})

    def text(key, default=""):
        return texts.get(key) or base.get(key) or default

    return CourseView(id=course.id, title=text("title", course.id), description=text("description"),
                      language=pick_language(course.texts, lang, course.language), cover=course.cover,
                      cover_alt=text("cover_alt"), audience=text("audience"), skills=text("skills", []),
                      completion=course.completion)


_generation = 0     # bumped by the indexer whenever the catalogue changes


def changed() -> None:
    """Forget cached views: the indexer calls this after writing."""
    global _generation
    _generation += 1
    _courses_cached.cache_clear()
    _lesson_cached.cache_clear()
    _lesson_keys.cache_clear()


def courses(lang: str) -> list[CourseView]:
    """Every course with its lessons' titles, in catalogue order (cached until the next re-index)."""
    return _courses_cached(lang, _generation)


@functools.lru_cache(maxsize=8)
def _courses_cached(lang: str, generation: int) -> list[CourseView]:
    rows = list(Course.in_order())
    views = {c.id: _course_view(c, lang) for c in rows}
    base_language = {c.id: c.language for c in rows}
    for lesson_rows in _summary_rows().values():
        course_id = lesson_rows[0]["course"]
        if course_id in views:
            views[course_id].lessons.append(_summary(lesson_rows, lang, base_language[course_id]))
    return list(views.values())


def course(course_id: str, lang: str) -> CourseView | None:
    return next((c for c in courses(lang) if c.id == course_id), None)


def _summary_rows() -> dict[str, list[dict]]:
    """Lesson titles and languages only: no step HTML, no quiz JSON."""
    query = (LessonVersion.select(Lesson.key, Lesson.slug, Lesson.course, Lesson.duration, Lesson.position,
                                  LessonVersion.language, LessonVersion.title,
                                  LessonVersion.quiz.is_null(False).alias("has_quiz"))
             .join(Lesson).order_by(Lesson.course, Lesson.position))
    grouped: dict[str, list[dict]] = {}
    for row in query.dicts():
        grouped.setdefault(row["key"], []).append(row)
    return grouped


def _summary(rows: list[dict], lang: str, course_lang: str) -> LessonView:
    everything = {r["language"]: r for r in rows}
    versions = {code: r for code, r in everything.items() if not is_easy(code)}
    chosen = pick_language(versions, lang, course_lang)
    row = versions[chosen]
    return LessonView(key=row["key"], slug=row["slug"], course_id=row["course"], title=row["title"],
                      language=chosen, duration=row["duration"], translated=chosen == lang,
                      has_quiz=bool(row["has_quiz"]), has_easy=easy_language(chosen) in everything,
                      stored_language=chosen)


def lesson(course_id: str, slug: str, lang: str, easy: bool = False) -> LessonView | None:
    """A lesson with its steps and quiz in the best language available, easy to read when asked and
    written."""
    key = _lesson_keys(_generation).get((course_id, slug))
    return lesson_by_key(key, lang, easy) if key is not None else None


@functools.lru_cache(maxsize=1)
def _lesson_keys(generation: int) -> dict[tuple[str, str], str]:
    """Every lesson's key by (course, slug): read once per catalogue, not once per lesson page."""
    return {(row.course_id, row.slug): row.key for row in Lesson.select(Lesson.key, Lesson.course, Lesson.slug)}


def lesson_by_key(key: str, lang: str, easy: bool = False) -> LessonView | None:
    """A lesson with its steps and quiz (cached: the same lessons are read again and again)."""
    return _lesson_cached(key, lang, bool(easy), _generation)


@functools.lru_cache(maxsize=128)
def _lesson_cached(key: str, lang: str, easy: bool, generation: int) -> LessonView | None:
    les = Lesson.get_or_none(Lesson.key == key)
    if les is None:
        return None
    everything = {v.language: v for v in les.versions}
    versions = {code: v for code, v in everything.items() if not is_easy(code)}
    if not versions:
        return None
    chosen = pick_language(versions, lang, les.course.language)
    has_easy = easy_language(chosen) in everything
    v = everything[easy_language(chosen)] if easy and has_easy else versions[chosen]
    return LessonView(key=les.key, slug=les.slug, course_id=les.course_id, title=v.title, language=chosen,
                      duration=les.duration, objectives=v.objectives, steps=v.steps,
                      quiz=Quiz.from_dict(v.quiz) if v.quiz else None, audio=v.audio,
                      translated=chosen == lang, has_quiz=v.quiz is not None, has_easy=has_easy,
                      easy=v.language != chosen, stored_language=v.language)


def step_on_other_level(step: int, steps_from: int, steps_to: int) -> int:
    """The step to show after switching level: the same place in proportion, when the counts differ."""
    if steps_to <= 0:
        return 0
    if steps_from <= 0 or steps_from == steps_to:
        return min(max(step, 0), steps_to - 1)
    return min(max(round(step * steps_to / steps_from), 0), steps_to - 1)


def neighbours(course_view: CourseView, key: str) -> tuple:
    keys = [les.key for les in course_view.lessons]
    i = keys.index(key) if key in keys else -1
    before = course_view.lessons[i - 1] if i > 0 else None
    after = course_view.lessons[i + 1] if 0 <= i < len(keys) - 1 else None
    return before, after


def resume(course_views: list[CourseView], done: dict, last_key: str | None) -> LessonView | None:
    """The lesson "Continue where you left off" opens, given the learner's progress rows by lesson key.

    The last lesson read while it is unfinished; once it is finished, the next unfinished lesson of its
    course (after it, then from the start), then of the courses after it. None when all are finished.
    """
    if not last_key:
        return None
    order = [les for view in course_views for les in view.lessons]
    keys = [les.key for les in order]
    if last_key not in keys:
        return None
    i = keys.index(last_key)
    course_id = order[i].course_id
    same = [les for les in order[i:] + order[:i] if les.course_id == course_id]
    others = [les for les in order[i:] if les.course_id != course_id]
    unfinished = (les for les in same + others
                  if getattr(done.get(les.key), "status", None) != "completed")
    return next(unfinished, None)


def search(query: str, lang: str, limit: int = 30) -> list[dict]:
    """Accent- and case-insensitive search over titles and text; each word may be a prefix."""
    words = re.findall(r"\w+", query or "")[:8]
    if not words:
        return []
    match = " ".join(f'"{w}"*' for w in words)
    rows = database.execute_sql(
        "SELECT v.lesson_id, v.language, v.title, snippet(lesson_search, 1, char(2), char(3), ' … ', 12), "
        "l.course_id, l.slug FROM lesson_search s JOIN lesson_version v ON v.id = s.version_id "
        "JOIN lesson l ON l.key = v.lesson_id WHERE lesson_search MATCH ? ORDER BY bm25(lesson_search, 5.0, 1.0) "
        "LIMIT ?", (match, limit * 3)).fetchall()
    best: dict[str, dict] = {}
    for key, stored, title, snippet, course_id, slug in rows:
        language = spoken_language(stored)      # an easy-to-read version is found like the others
        hit = {"key": key, "language": language, "title": title, "snippet": snippet,
               "course_id": course_id, "slug": slug, "easy": is_easy(stored)}
        if key not in best or language == lang:
            best[key] = hit if key not in best or best[key]["language"] != lang else best[key]
    return list(best.values())[:limit]


def counts() -> dict:
    return {"courses": Course.select().count(), "lessons": Lesson.select().count()}
