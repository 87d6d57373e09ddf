"""Who is learning: pick a card, create a profile, enter a PIN, log out."""
from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import ngettext

from sync.base import next_page

from .. import learners, sessions
from ..i18n import cookie_language, known_language, request_language
from ..models import Learner
from .audio import prompt_audio
from .common import prefs
from .page_cache import StandIn, heard, kept_offer, serve

bp = Blueprint("learners", __name__)


PAGE = 48        # cards on one screen of "Who is learning?", most recently active first


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.extensions["pin_guard"] = learners.PinGuard(
        app.config["PIN_MAX_TRIES"], app.config["PIN_LOCK_MINUTES"] * 60, app.config["KIOSK_PIN_LIMIT"])
    app.context_processor(lambda: {"idle_left": sessions.seconds_left(g.learner) if g.get("learner") else 0})


@bp.get("/")
def who():
    if g.learner is not None:
        return redirect(url_for("learn.home"))
    find = request.args.get("find", "").strip()[:40]
    page = max(1, min(request.args.get("page", 1, type=int), 10_000))
    return serve(*who_page(find, page, request.args.get("expired") == "1", request_language(), prefs(),
                           prompt_audio))


def who_page(find: str, page: int, expired: bool, language: str, shown: dict, make_offer: Callable) -> tuple:
    """"Who is learning?" for `serve`: its template, key facts, context and stand-ins. The view and the kept
    pages' express lane (express.py) both ask here."""
    if find:
        people, more = learners.find(find, limit=PAGE), False
    else:
        people, more = learners.recent(PAGE, (page - 1) * PAGE), learners.count() > page * PAGE
    cards = tuple((p.uuid, p.name, p.picture, p.pin_hash is not None, p.origin) for p in people)
    context = {"learners": people, "find": find, "page": page, "more": more, "expired": expired}
    shown_cards = [StandIn("card", uuid=uuid, name=name, picture=picture, pin_hash=pin, origin=origin)
                   for uuid, name, picture, pin, origin in cards]
    offer = kept_offer(("prompt", "who", language), lambda: make_offer("who")) if shown.get("read_aloud") else None
    return ("learners/who.html", (cards, find, page, more, expired, heard(offer)), context,
            {"learners": shown_cards, "prompt_audio": lambda _: offer})


@bp.route("/new", methods=["GET", "POST"])
def new():
    errors, form, same = {}, request.form, []
    if request.method == "POST":
        try:
            learner, same = _create(form)
        except learners.FormError as error:
            errors[error.field] = error.message
        else:
            if learner is not None:
                sessions.log_in(learner)
                return redirect(url_for("learn.home", welcome=1))
    status = 400 if errors else 200
    return render_template("learners/new.html", errors=errors, form=form, same=same,
                           chosen_picture=form.get("picture") or learners.least_used_picture()), status


def _create(form):
    """The new card, or (None, the cards of the same name) until the person says these are not theirs."""
    pin = learners.validate_pin(form.get("pin", ""), form.get("pin_confirm", ""))
    name = learners.validate_name(form.get("name", ""))
    same = [] if form.get("confirm_new") == "1" else learners.same_name(name)
    if same:
        return None, same
    return learners.create_learner(name, form.get("picture", ""), pin, language=cookie_language(),
                                   prefs=sessions.visitor_prefs()), []


@bp.route("/learner/<uuid>", methods=["GET", "POST"])
def pick(uuid: str):
    """Log in as this card's learner: straight away without a PIN, after the PIN otherwise."""
    learner = Learner.get_or_none(Learner.uuid == uuid) or abort(404)
    guard, now = current_app.extensions["pin_guard"], time.time()
    if request.method == "GET":
        return render_template("learners/pin.html", person=learner, error=None)
    if not guard.check(learner, request.form.get("pin", ""), now):
        wait = guard.wait_seconds(learner, now)
        message = _wait_message(wait) if wait else _wrong_pin_message(guard.tries_left(learner))
        return _pin_page(learner, message, 429 if wait else 400)
    sessions.log_in(learner, now)
    lesson = learner.last_lesson
    return redirect(url_for("learn.home", resume=1 if lesson else None))


def _pin_page(learner, message, status):
    return render_template("learners/pin.html", person=learner, error=message), status


def _wrong_pin_message(left: int) -> str:
    """Wrong PIN: how many tries are left before the card must wait, and for how long."""
    minutes = math.ceil(current_app.config["PIN_LOCK_MINUTES"])
    return " ".join((
        ngettext("This PIN is not right. You can try %(num)s more time.",
                 "This PIN is not right. You can try %(num)s more times.", left),
        ngettext("After that, the card waits %(num)s minute.", "After that, the card waits %(num)s minutes.",
                 minutes)))


def _wait_message(seconds: int) -> str:
    minutes = (seconds + 59) // 60
    return ngettext("Too many tries. Please wait %(num)s minute, then try again.",
                    "Too many tries. Please wait %(num)s minutes, then try again.", minutes)


@bp.post("/logout")
def logout():
    sessions.end_session()
    return redirect(url_for("learners.who"))


@bp.post("/still-here")
def still_here():
    """Keep the session alive (the idle warning's button); touching happens in load_learner."""
    if g.learner is None:
        return redirect(url_for("learners.who", expired=1))
    sessions.touch(g.learner)
    if request.accept_mimetypes.best == "application/json":
        return {"ok": True, "left": sessions.seconds_left(g.learner)}
    return redirect(next_page.local_path(request.form.get("next"), url_for("learn.home")))


@bp.post("/language")
def language():
    """Choose the language before logging in (kept in a cookie) or as a learner (kept on the profile)."""
    code = known_language(request.form.get("language"))
    if code is None:
        abort(400)
    if g.learner is not None:
        learners.update_prefs(g.learner, {"language": code})
    response = redirect(next_page.local_path(request.form.get("next"), url_for("learners.who")))
    response.set_cookie("lang", code, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response
