"""Facilitator sign-in, first-run setup and the facilitator's home page."""
from __future__ import annotations

import functools
import secrets

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from sync.base import accounts

from .. import facilitators

bp = Blueprint("facilitator", __name__, url_prefix="/facilitator")
LOCAL = {"127.0.0.1", "::1"}


def init_app(app) -> None:
    app.register_blueprint(bp)
    if not app.config["SETUP_CODE"]:
        app.config["SETUP_CODE"] = secrets.token_hex(4)        # a new one at each start


def current_facilitator():
    if "facilitator" not in g:
        g.facilitator = facilitators.session_account(session.get("facilitator_token"))
    return g.facilitator


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
        try:
            account = facilitators.authenticate(request.form.get("name", ""), request.form.get("password", ""))
        except accounts.LoginRefused as refused:
            error = (ngettext("Too many wrong passwords. Please wait %(num)s minute.",
                              "Too many wrong passwords. Please wait %(num)s minutes.", refused.minutes)
                     if refused.wait_seconds else _("This name or password is not right."))
        else:
            facilitators.end_session(session.get("facilitator_token"))
            session.clear()                       # a new session at every sign-in
            session["facilitator_token"] = facilitators.start_session(account)
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/") and not target.startswith("//")
                            else url_for(".home"))
    return render_template("facilitator/login.html", error=error), (400 if error else 200)


@bp.post("/logout")
def logout():
    facilitators.end_session(session.get("facilitator_token"))
    session.clear()
    return redirect(url_for("learners.who"))


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """First run only: reachable from the kiosk itself, or elsewhere with the code printed at start-up."""
    if facilitators.exists():
        abort(404)
    code = request.values.get("code", "")
    if request.remote_addr not in LOCAL and not secrets.compare_digest(code, current_app.config["SETUP_CODE"]):
        return render_template("facilitator/setup_locked.html"), 403
    errors = {}
    if request.method == "POST":
        name, password = request.form.get("name", "").strip(), request.form.get("password", "")
        if not name:
            errors["name"] = _("Please type a name.")
        if len(password) < accounts.MIN_PASSWORD:
            errors["password"] = _("The password needs at least %(num)s characters.", num=accounts.MIN_PASSWORD)
        elif password != request.form.get("password_confirm", ""):
            errors["password_confirm"] = _("The two passwords are not the same.")
        if not errors:
            account = facilitators.create(name, password)
            session.clear()
            session["facilitator_token"] = facilitators.start_session(account)
            return redirect(url_for(".home"))
    return render_template("facilitator/setup.html", errors=errors, code=code), (400 if errors else 200)


@bp.get("/")
@facilitator_required
def home():
    report = current_app.config["INDEX_REPORT"]
    return render_template("facilitator/home.html", report=report)
