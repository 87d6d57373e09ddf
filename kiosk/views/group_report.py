"""A group's report for a funder: one printable A4 page per group and period, in the centre's language."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _

from sync.base.activity.period import period

from .. import groups
from ..activity.group_report import group_report
from .facilitator import facilitator_required

bp = Blueprint("group_report", __name__, url_prefix="/facilitator")


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.get("/groups/<int:group_id>/report")
@facilitator_required
def report(group_id: int):
    """The report of this month so far, or of the period asked (`from`, `to`), in DEFAULT_LANGUAGE (the
    centre's, for its funder); a period refused is said in the facilitator's language."""
    item = groups.get(group_id) or abort(404)
    start, end, good = period(request.args.get("from", ""), request.args.get("to", ""), date.today())
    if not good:                    # a refusal is for the facilitator: in their own language
        error = _("Choose two dates, the first before the second, at most a year apart.")
        return render_template("facilitator/group_report.html", group=item, report=None, error=error,
                               start=start or date.today(), end=end or date.today()), 400
    lang = current_app.config["DEFAULT_LANGUAGE"]
    with force_locale(lang):
        return render_template("facilitator/group_report.html", group=item, report=group_report(item, start, end, lang),
                               start=start, end=end, error=None)
