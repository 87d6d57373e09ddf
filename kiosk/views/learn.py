"""Learning: home, catalogue, a course, a lesson step by step, its quiz and the result."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from .. import catalog, certificates, grading, groups, learners, progress
from ..i18n import request_language
from ..models import Certificate, QuizAttempt
from .audio import step_audio
from .common import learner_required, prefs
from .page_cache import StandIn, heard, kept_offer, serve

bp = Blueprint("learn", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


def _easy() -> bool:
    """Whether the learner reads lessons in their easy-to-read version, where there is one."""
    return bool(prefs().get("easy_read"))


@bp.get("/home")
@learner_required
def home():
    return serve(*home_page(g.learner, request_language(), request.args.get("welcome") == "1"))


def home_page(learner, language: str, welcome: bool) -> tuple:
    """Home for `serve`: its template, key facts, context and stand-ins (asked by the view and express.py)."""
    assigned = groups.for_learner(learner)
    courses = sorted(catalog.courses(language), key=lambda c: c.id not in assigned)   # the group's first
    done = progress.for_learner(learner)
    resume = None
    if learner.last_lesson in done:          # only a lesson this learner opened on this kiosk
        lesson = catalog.resume(catalog.courses(language), done, learner.last_lesson)
        if lesson:
            resume = {"lesson": lesson, "progress": done.get(lesson.key)}
    facts = (tuple(c.id for c in courses), _statuses(done), resume and resume["lesson"].key, welcome)
    return ("learn/home.html", facts, {"courses": courses, "done": done, "resume": resume, "welcome": welcome},
            {"done": _done_shown(done),
             "resume": resume and {"lesson": resume["lesson"], "progress": StandIn("progress")}})


@bp.get("/courses")
@learner_required
def catalogue():
    return serve(*catalogue_page(g.learner, request_language()))


def catalogue_page(learner, language: str) -> tuple:
    """The catalogue for `serve` (asked by the view and express.py)."""
    courses, done = catalog.courses(language), progress.for_learner(learner)
    return "learn/catalogue.html", (_statuses(done),), {"courses": courses, "done": done}, {"done": _done_shown(done)}


def _statuses(done: dict) -> tuple:
    """What a course card shows of a learner's progress: each lesson's status."""
    return tuple(sorted((key, row.status) for key, row in done.items()))


def _done_shown(done: dict) -> dict:
    return {key: StandIn("progress", status=row.status) for key, row in done.items()}


@bp.get("/courses/<course_id>")
@learner_required
def course(course_id: str):
    view = catalog.course(course_id, request_language()) or abort(404)
    certificate = Certificate.get_or_none((Certificate.learner == g.learner) & (Certificate.course_id == course_id))
    return render_template("learn/course.html", course=view, done=progress.for_learner(g.learner),
                           complete=certificate is not None or certificates.is_complete(g.learner, view),
                           certificate=certificate)


def _lesson_or_404(course_id: str, slug: str):
    lesson = catalog.lesson(course_id, slug, request_language(), _easy()) or abort(404)
    course = catalog.course(course_id, request_language()) or abort(404)
    return course, lesson


@bp.get("/courses/<course_id>/<slug>")
@learner_required
def lesson(course_id: str, slug: str):
    step = request.args.get("step", type=int) if "step" in request.args else None
    page = lesson_page(course_id, slug, step, g.learner, request_language(), prefs(), step_audio)
    if page is None:
        abort(404)
    return serve(*page)


def lesson_page(course_id: str, slug: str, step: int | None, learner, language: str, shown: dict,
                make_offer: Callable) -> tuple | None:
    """A lesson page for `serve`: its template, key facts, context and stand-ins; None when there is no such
    lesson or step. The view and the kept pages' express lane (express.py) both ask here."""
    lesson = catalog.lesson(course_id, slug, language, bool(shown.get("easy_read")))
    course = catalog.course(course_id, language)
    if lesson is None or course is None:
        return None
    row = progress.for_learner(learner).get(lesson.key)
    total = len(lesson.steps)
    if step is None:
        # The other level may have another number of steps: the same place, in proportion.
        step = catalog.step_on_other_level(row.step, row.steps_total, total) if row and row.status != "completed" \
            else 0
    if not 0 <= step < max(total, 1):
        return None
    before, after = catalog.neighbours(course, lesson.key)
    context = {"course": course, "lesson": lesson, "step": step, "total": total, "progress": row,
               "before": before, "after": after}
    offer = kept_offer(("step", lesson.key, lesson.stored_language, step), lambda: make_offer(lesson, step)) \
        if shown.get("read_aloud") else None
    facts = (course.id, lesson.key, lesson.stored_language, step, total, row is not None, heard(offer))
    return "learn/lesson.html", facts, context, {"progress": StandIn("progress", truth=row is not None),
                                                  "step_audio": lambda *_: offer}


@bp.post("/courses/<course_id>/<slug>/level")
@learner_required
def level(course_id: str, slug: str):
    """Switch between the easy-to-read and the standard version (the preference), at the same place."""
    _, shown = _lesson_or_404(course_id, slug)
    learners.update_prefs(g.learner, {"easy_read": request.form.get("easy") == "1"})
    _, other = _lesson_or_404(course_id, slug)
    step = catalog.step_on_other_level(request.form.get("step", 0, type=int), len(shown.steps), len(other.steps))
    return redirect(url_for(".lesson", course_id=course_id, slug=slug, step=step))


@bp.post("/courses/<course_id>/<slug>/step")
@learner_required
def step(course_id: str, slug: str):
    """Move to another step; reaching the end opens the quiz or completes the lesson."""
    course, lesson = _lesson_or_404(course_id, slug)
    total = len(lesson.steps)
    target = request.form.get("step", type=int)
    if target is None or not 0 <= target <= total:
        abort(400)
    if target < total:
        progress.record_step(g.learner, lesson.key, course_id, target, total)
        return redirect(url_for(".lesson", course_id=course_id, slug=slug, step=target, _anchor="content"))
    if lesson.quiz:
        progress.record_step(g.learner, lesson.key, course_id, total, total)
        return redirect(url_for(".quiz", course_id=course_id, slug=slug))
    progress.complete_lesson(g.learner, lesson.key, course_id, total,
                             with_help=request.form.get("with_help") == "1")
    return redirect(url_for(".course", course_id=course_id, done=lesson.key))


@bp.get("/courses/<course_id>/<slug>/quiz")
@learner_required
def quiz(course_id: str, slug: str):
    course, lesson = _lesson_or_404(course_id, slug)
    if not lesson.quiz:
        abort(404)
    return render_template("learn/quiz.html", course=course, lesson=lesson, errors={}, answers={},
                           answer_max=grading.ANSWER_MAX)


@bp.post("/courses/<course_id>/<slug>/quiz")
@learner_required
def answer(course_id: str, slug: str):
    course, lesson = _lesson_or_404(course_id, slug)
    if not lesson.quiz:
        abort(404)
    answers, problems = grading.read_answers(lesson.quiz, request.form.getlist)
    if problems:
        return render_template("learn/quiz.html", course=course, lesson=lesson, errors=problems,
                               answers=answers, answer_max=grading.ANSWER_MAX), 400
    attempt = progress.record_quiz_attempt(g.learner, lesson.key, course_id, lesson.quiz, answers,
                                           len(lesson.steps), with_help=request.form.get("with_help") == "1")
    return redirect(url_for(".result", attempt_id=attempt.uuid))


@bp.get("/attempts/<attempt_id>")
@learner_required
def result(attempt_id: str):
    attempt = QuizAttempt.get_or_none((QuizAttempt.uuid == attempt_id) &
                                      (QuizAttempt.learner == g.learner)) or abort(404)
    lesson = catalog.lesson_by_key(attempt.lesson_key, request_language(), _easy()) or abort(404)
    course = catalog.course(lesson.course_id, request_language()) or abort(404)
    before, after = catalog.neighbours(course, lesson.key)
    # A quiz changed since the attempt would pair answers with the wrong questions: show the score only.
    marked = lesson.quiz and len(attempt.results or []) == len(lesson.quiz.questions)
    certificate = Certificate.get_or_none((Certificate.learner == g.learner) & (Certificate.course_id == course.id))
    complete = attempt.passed and (certificate is not None or certificates.is_complete(g.learner, course))
    return render_template("learn/result.html", attempt=attempt, lesson=lesson, course=course, after=after,
                           marked=marked, complete=complete, certificate=certificate,
                           next_lesson=catalog.resume(catalog.courses(request_language()),
                                                      progress.for_learner(g.learner), lesson.key) if complete else None)


@bp.get("/search")
@learner_required
def search():
    query = request.args.get("q", "").strip()[:100]
    hits = catalog.search(query, request_language()) if query else []
    return render_template("learn/search.html", query=query, hits=hits)
