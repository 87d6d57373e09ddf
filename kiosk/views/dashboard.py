"""The facilitator's dashboard and CSV export: activity, completion, autonomy, hard questions, who is stuck."""
from __future__ import annotations

import time

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _

from .. import exports, reports
from ..i18n import request_language
from .facilitator import facilitator_required

bp = Blueprint("dashboard", __name__, url_prefix="/facilitator")


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.get("/dashboard")
@facilitator_required
def dashboard():
    lang, now = request_language(), time.time()
    days = request.args.get("days", default=7, type=int)
    days = days if 1 <= days <= 365 else 7
    courses = reports.per_course(lang)
    return render_template("facilitator/dashboard.html", overview=reports.overview(now), courses=courses,
                           completion_rows=[(c["course"].title, c["rate"]) for c in courses],
                           score_rows=[(c["course"].title, c["average_score"]) for c in courses],
                           hardest=reports.hardest_questions(lang),
                           stuck=reports.stuck_learners(now, days, lang), days=days)


@bp.get("/export/progress.csv")
@facilitator_required
def export_progress():
    separator = exports.SEPARATORS.get(request.args.get("separator", "semicolon"), ";")
    header, rows = exports.progress_rows(request_language())
    labels = {"learner": _("Learner"), "learner_id": _("Learner id"), "course": _("Course"),
              "lesson": _("Lesson"), "status": _("Status"), "completed_on": _("Completed on"),
              "minutes": _("Minutes"), "with_help": _("Done with help"),
              "best_quiz_percent": _("Best quiz score (%)")}
    status = {"completed": _("completed"), "started": _("started")}
    rows = [[*r[:4], status.get(r[4], r[4]), r[5], r[6], _("yes") if r[7] else _("no"), r[8]] for r in rows]
    body = exports.to_csv([labels[h] for h in header], rows, separator)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=relais-progress.csv"})
