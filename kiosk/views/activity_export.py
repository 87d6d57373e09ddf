"""The activity export for La Coop de la médiation numérique: a period form and its CSV or XLSX file."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _

from sync.base.activity import writers
from sync.base.activity.period import period
from sync.base.activity.vocabulary import VocabularyError

from ..activity import competences, rows
from ..activity.sessions import learner_sessions
from .facilitator import facilitator_required

bp = Blueprint("activity_export", __name__, url_prefix="/facilitator")


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.add_template_global(competences.competence_map_for, "competence_map_for")


@bp.get("/activity")
@facilitator_required
def activity():
    """The form; with `file=csv` or `file=xlsx`, the file itself (a GET: it changes nothing)."""
    today = date.today()
    start, end, good = period(request.args.get("from", ""), request.args.get("to", ""), today)
    values = rows.CODES if request.args.get("values") == rows.CODES else rows.LABELS
    error = None
    if not good:
        error = _("Choose two dates, the first before the second, at most a year apart.")
    chosen = request.args.get("file")
    if chosen in ("csv", "xlsx") and error is None:
        try:
            header, table = rows.build(learner_sessions(start, end), current_app.config["ACTIVITY_PLACE_TYPE"],
                                       current_app.config["ACTIVITY_DEVICE"], values)
        except VocabularyError as exc:
            error = _("A setting of this kiosk is not one of the Coop's values: %(reason)s", reason=str(exc))
        else:
            return _download(chosen, header, table, start, end)
    return render_template("facilitator/activity.html", start=start or today, end=end or today,
                           values=values, error=error), (400 if error else 200)


def _download(kind: str, header: list[str], table: list[list], start: date, end: date) -> Response:
    separator = ";" if request.args.get("separator", "semicolon") == "semicolon" else ","
    body, mimetype = writers.download(kind, header, table, separator)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": writers.attachment(kind, start, end)})
