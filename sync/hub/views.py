"""The hub's pages for facilitators: sign-in, kiosks, learners across kiosks, CSV, enrolment codes."""
from __future__ import annotations

import csv
import io
import secrets
import time
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from sync.base import accounts, credentials, next_page
from sync.packs.errors import PackError

from . import auth, certificates, reports
from .db import database
from .models import Facilitator, Kiosk
from .publish import publish, targets_for, visible_publications
from .scopes import ScopeRefused, known_centres
from .signed_in import current_facilitator, current_scope, login_required

bp = Blueprint("hub", __name__, template_folder="templates")


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.extensions["csrf"].exempt(content)        # checked in the view, once its upload limit is raised
    app.add_template_filter(_when, "when")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        account, error = _check_sign_in(request.form.get("name", ""), request.form.get("password", ""))
        if account is not None:
            auth.end_session(session.get("hub_token"))
            session.clear()                       # a new session at every sign-in
            session["hub_token"] = auth.start_session(account, current_app.config["FACILITATOR_IDLE_MINUTES"])
            return redirect(next_page.local_path(request.args.get("next"), url_for("hub.kiosks")))
    return render_template("hub/login.html", error=error), (400 if error else 200)


def _check_sign_in(name: str, password: str) -> tuple[Facilitator | None, str | None]:
    """(the account, None) when the password is right, else (None, what the page says)."""
    if not credentials.well_formed(name, password):
        return None, _("This name or password holds a character that is not allowed, or is too long.")
    try:
        return auth.login_facilitator(name, password), None
    except accounts.LoginRefused as refused:
        return None, (ngettext("Too many wrong passwords. Please wait %(num)s minute.",
                               "Too many wrong passwords. Please wait %(num)s minutes.", refused.minutes)
                      if refused.wait_seconds else _("This name or password is not right."))


@bp.post("/logout")
def logout():
    auth.end_session(session.get("hub_token"))      # the row goes: a copy of the cookie opens nothing
    session.clear()
    return redirect(url_for("hub.login"))


@bp.get("/")
@login_required
def kiosks():
    return render_template("hub/kiosks.html", page=reports.kiosk_page(current_scope(), request.args.get("page", "")))


@bp.get("/learners")
@login_required
def learners():
    find = request.args.get("find", "")[:credentials.MAX_NAME]
    page = reports.learner_page(current_scope(), find, request.args.get("page", ""))
    return render_template("hub/learners.html", page=page, find=find, courses=reports.courses_of(page.rows))


@bp.get("/dashboard")
@login_required
def dashboard():
    return render_template("hub/dashboard.html", board=reports.dashboard(current_scope()))


@bp.get("/learners.csv")
@login_required
def learners_csv():
    rows = reports.learner_csv_rows(current_scope())
    return Response(stream_with_context(_csv_lines(reports.CSV_COLUMNS, rows)), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=relais-progress.csv"})


def _csv_lines(columns: list[str], rows):
    """CSV text a line at a time, each value made safe for spreadsheets, read as it is sent."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    with database.connection_context():      # the request's connection may be closed while the body is sent
        for row in rows:
            writer.writerow([reports.csv_safe(row[c]) for c in columns])
            if out.tell() > 32768:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
    yield out.getvalue()


@bp.route("/enroll-codes", methods=["GET", "POST"])
@login_required
def enroll_codes():
    code = centre = error = None
    if request.method == "POST":
        centre = request.form.get("centre", "").strip()
        if credentials.name_problem(centre):         # NUL would be a 500 on PostgreSQL
            error, centre = _("A centre's name cannot hold control characters or be longer than %(n)s "
                              "characters.", n=credentials.MAX_NAME), None
        elif centre and not current_scope().holds_centre(centre):
            error, centre = _("You can enrol kiosks only for your own centres. A new centre is first placed in "
                              "one of your regions on the Centres page."), None
        elif centre:
            code = auth.new_enroll_code(centre)
    return render_template("hub/codes.html", code=code, centre=centre, error=error, hours=auth.CODE_HOURS,
                           centres=known_centres(current_scope())), (400 if error else 200)


PUBLISH_LIMIT = 2048 * 1024 * 1024


@bp.route("/content", methods=["GET", "POST"])
@login_required
def content():
    """Publish a signed pack to every kiosk or to chosen centres and kiosks; list what was published."""
    message = error = None
    if request.method == "POST":
        request.max_content_length = PUBLISH_LIMIT     # packs are bigger than the 4 MB of an upload batch
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as refused:
            raise CSRFError(refused.args[0]) from None
        sent = request.files.get("pack")
        chosen = request.form.getlist("target") if request.form.get("audience") == "chosen" else None
        if sent is None or not sent.filename:
            error = _("Please choose a pack file (.zip).")
        elif chosen is not None and not chosen:
            error = _("Please tick at least one centre or kiosk, or choose every kiosk.")
        else:
            error, message = _publish_upload(sent, Path(current_app.config["HUB_CONTENT_DIR"]), chosen,
                                             current_facilitator().name, current_scope())
    scope = current_scope()
    kiosks = list(Kiosk.select().where(scope.covers_centre(Kiosk.centre)).order_by(Kiosk.centre, Kiosk.id))
    return render_template("hub/content.html", publications=visible_publications(scope), kiosks=kiosks,
                           centres=sorted({k.centre for k in kiosks}), message=message,
                           error=error), (400 if error else 200)


def _publish_upload(sent, content_dir: Path, chosen: list[str] | None, by: str, scope):
    """Save the uploaded pack beside the blobs, publish it, remove it; (error, message) for the page."""
    try:
        targets = targets_for(scope, chosen)
    except ScopeRefused as refused:
        return _(refused.message, **refused.params), None
    incoming = content_dir / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    path = incoming / f"upload-{secrets.token_hex(8)}.zip"
    try:
        sent.save(path)
        publication = publish(path, content_dir, targets, by=by)
    except PackError as refused:
        return _("The pack was not published. Reason: %(reason)s", reason=_(refused.message, **refused.params)), None
    finally:
        path.unlink(missing_ok=True)
    return None, _("Pack %(pack)s version %(version)s is published; kiosks will fetch it at their next sync.",
                   pack=publication.pack_id, version=publication.version)


def _when(timestamp) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp)) if timestamp else "—"


@bp.get("/verify")
def verify():
    """Anyone (a funder, an employer) can check a certificate's code once the kiosk has synced: one row read."""
    code = request.args.get("code", "").strip().upper()[:20]
    found = certificates.find(code)
    return render_template("hub/verify.html", code=code, found=found,
                           valid_format=bool(certificates.CODE.match(code))), (200 if found or not code else 404)
