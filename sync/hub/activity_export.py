"""The activity export for La Coop de la médiation numérique on the hub: the kiosk's file, for the signed-in
facilitator's scope only (sync/hub/scopes.py), from the lesson states the kiosks sent.

The rows are made by the rules both apps share (sync/base/activity). The hub knows neither the kiosks'
groups nor their lessons' tags, so every row is individual and carries no topic (docs/activity-export.md).
"""
from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from peewee import JOIN

from sync.base.activity import rows, writers
from sync.base.activity.period import period
from sync.base.activity.vocabulary import VocabularyError, codes, term
from sync.wire import hlc

from .models import Kiosk, Learner, LessonState
from .scopes import Scope, known_centres
from .signed_in import current_scope, login_required

bp = Blueprint("hub_activity", __name__, template_folder="templates")
PLACE, DEVICE = "lieu_activite", "ordinateur"        # the kiosk's defaults (ACTIVITY_PLACE_TYPE, ACTIVITY_DEVICE)


def init_app(app) -> None:
    app.register_blueprint(bp)


def day_of(stamp: str) -> date | None:
    """The local day of a hybrid-logical-clock timestamp (its wall-clock part); None when it holds no day."""
    try:
        return datetime.fromtimestamp(hlc.decode(stamp)[0] / 1000).date()
    except (ValueError, OverflowError, OSError):
        return None


def hub_sessions(scope: Scope, start: date, end: date, centre: str = "") -> list[rows.Session]:
    """Every learner-session of the scope (of one of its centres when `centre` is given), by day then name.

    A learner's lessons whose last change fell on the same day make one session, as on the kiosk."""
    query = (LessonState.select(LessonState, Learner.name.alias("name"))
             .join(Learner, JOIN.LEFT_OUTER, on=(LessonState.learner_uuid == Learner.uuid))
             .where(scope.covers_learner(LessonState.learner_uuid)))
    if centre:
        query = query.where(LessonState.learner_uuid.in_(
            Learner.select(Learner.uuid).join(Kiosk, on=(Learner.kiosk_id == Kiosk.id)).where(Kiosk.centre == centre)))
    sessions: dict[tuple[str, date], rows.Session] = {}
    for row in query.objects():
        day = day_of(row.last_hlc)
        if day is None or not start <= day <= end:
            continue
        item = sessions.get((row.learner_uuid, day)) or rows.Session(name=row.name or row.learner_uuid[:8], day=day)
        sessions[(row.learner_uuid, day)] = item
        item.seconds += row.time_spent
        item.lessons.append(row.lesson_key)
        item.with_help += bool(row.with_help)
    return sorted(sessions.values(), key=lambda s: (s.day, s.name.lower()))


def _choice(name: str, field: str, default: str) -> str:
    wanted = request.args.get(name, default)
    return wanted if wanted in codes(field) else default


@bp.get("/activity")
@login_required
def activity():
    """The form; with `file=csv` or `file=xlsx`, the file itself (a GET: it changes nothing)."""
    scope, today = current_scope(), date.today()
    start, end, good = period(request.args.get("from", ""), request.args.get("to", ""), today)
    centres = known_centres(scope)
    centre = request.args.get("centre", "")
    chosen = {"place": _choice("place", "type_lieu", PLACE), "device": _choice("device", "materiel", DEVICE),
              "values": rows.CODES if request.args.get("values") == rows.CODES else rows.LABELS,
              "centre": centre if centre in centres else ""}
    error = None if good else _("Choose two dates, the first before the second, at most a year apart.")
    kind = request.args.get("file")
    if kind in ("csv", "xlsx") and error is None:
        try:
            header, table = rows.build(hub_sessions(scope, start, end, chosen["centre"]), {}, chosen["place"],
                                       chosen["device"], chosen["values"])
        except VocabularyError as exc:          # only if the vocabulary file itself were edited wrong
            error = str(exc)
        else:
            separator = "," if request.args.get("separator") == "comma" else ";"
            body, mimetype = writers.download(kind, header, table, separator)
            return Response(body, mimetype=mimetype,
                            headers={"Content-Disposition": writers.attachment(kind, start, end)})
    return render_template("hub/activity.html", start=start or today, end=end or today, chosen=chosen,
                           centres=centres, places=[term("type_lieu", c) for c in codes("type_lieu")],
                           devices=[term("materiel", c) for c in codes("materiel")],
                           error=error), (400 if error else 200)
