"""Facilitator sign-in, first-run setup and the facilitator's home page."""
from __future__ import annotations

import functools
import secrets

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from sync.base import accounts, credentials, next_page

from .. import facilitators, sessions
from ..indexing import stored_problems

bp = Blueprint("facilitator", __name__, url_prefix="/facilitator")
LOCAL = {"127.0.0.1", "::1"}


def init_app(app) -> None:
    app.register_blueprint(bp)
    if not app.config["SETUP_CODE"]:
        app.config["SETUP_CODE"] = secrets.token_hex(4)        # a new one at each start


def current_facilitator():
    """The facilitator signed in on this browser: their session row must still be in the database."""
    if "facilitator" not in g:
        g.facilitator = facilitators.session_account(session.get("facilitator_token"),
                                                     current_app.config["FACILITATOR_IDLE_MINUTES"])
    return g.facilitator


def _sign_in(account) -> None:
    """A new session for `account`: whatever this browser held before (a learner's, a facilitator's) ends."""
    sessions.end_session()
    idle_minutes = current_app.config["FACILITATOR_IDLE_MINUTES"]
    session["facilitator_token"] = facilitators.start_session(account, idle_minutes)


def facilitator_required(view):
    """Pages for facilitators only; others are sent to the sign-in page."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_facilitator() is None:
            return redirect(url_for("facilitator.login", next=request.path))
        return view(*args, **kwargs)
    return wrapped


@bp.route("/login", methods=["GET", "POST"])
def login():
    if not facilitators.exists():
        return redirect(url_for(".setup"))
    error = None
    if request.method == "POST":
        account, error = _check_sign_in(request.form.get("name", ""), request.form.get("password", ""))
        if account is not None:
            _sign_in(account)
            return redirect(next_page.local_path(request.args.get("next"), url_for(".home")))
    return render_template("facilitator/login.html", error=error), (400 if error else 200)


def _check_sign_in(name: str, password: str):
    """(the account, None) when the password is right, else (None, what the page says)."""
    if not credentials.well_formed(name, password):
        return None, _("This name or password holds a character that is not allowed, or is too long.")
    try:
        return facilitators.authenticate(name, password), None
    except accounts.LoginRefused as refused:
        return None, (ngettext("Too many wrong passwords. Please wait %(num)s minute.",
                               "Too many wrong passwords. Please wait %(num)s minutes.", refused.minutes)
                      if refused.wait_seconds else _("This name or password is not right."))


@bp.post("/logout")
def logout():
    sessions.end_session()          # the row goes: a copy of the cookie opens nothing
    return redirect(url_for("learners.who"))


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """First run only: reachable from the kiosk itself, or elsewhere with the code printed at start-up."""
    if facilitators.exists():
        abort(404)
    code = request.values.get("code", "")
    # Compared as bytes: compare_digest refuses text with non-ASCII characters (a 500, not a 403).
    if request.remote_addr not in LOCAL and not secrets.compare_digest(
            code.encode(), current_app.config["SETUP_CODE"].encode()):
        return render_template("facilitator/setup_locked.html"), 403
    errors = {}
    if request.method == "POST":
        name, password = request.form.get("name", "").strip(), request.form.get("password", "")
        errors = _setup_errors(name, password, request.form.get("password_confirm", ""))
        if not errors:
            try:
                account = facilitators.create(name, password)
            except ValueError:          # the same name sent from another device at once: that one won
                return redirect(url_for(".login"))
            _sign_in(account)
            return redirect(url_for(".home"))
    return render_template("facilitator/setup.html", errors=errors, code=code), (400 if errors else 200)


def _setup_errors(name: str, password: str, confirm: str) -> dict:
    """What is wrong with the first account's form, by field, in the page's language."""
    errors = {}
    if not name:
        errors["name"] = _("Please type a name.")
    elif credentials.name_problem(name):
        errors["name"] = _("A name cannot hold control characters and has at most %(num)s characters.",
                           num=credentials.MAX_NAME)
    if len(password) < accounts.MIN_PASSWORD:
        errors["password"] = _("The password needs at least %(num)s characters.", num=accounts.MIN_PASSWORD)
    elif credentials.password_problem(password):
        errors["password"] = _("A password cannot hold control characters and has at most %(num)s characters.",
                               num=credentials.MAX_PASSWORD)
    elif password != confirm:
        errors["password_confirm"] = _("The two passwords are not the same.")
    return errors


@bp.get("/")
@facilitator_required
def home():
    report = current_app.config["INDEX_REPORT"]
    return render_template("facilitator/home.html", report=report, problems=stored_problems())
