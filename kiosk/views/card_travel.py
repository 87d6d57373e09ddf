"""Where a learner's card travels: the facilitator keeps a card on this kiosk only, or lets it follow
the learner to the other kiosks of the network (kiosk/roaming.py; the learner chooses on their settings page)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for

from .. import roaming
from ..models import Learner
from .facilitator import facilitator_required

bp = Blueprint("card_travel", __name__, url_prefix="/facilitator")


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.context_processor(lambda: {"card_known": roaming.where_known, "roaming_status": _status})


def _status() -> dict:
    return dict(roaming.status(), off=current_app.extensions.get("roaming") is None)


@bp.post("/learners/<uuid>/travel")
@facilitator_required
def keep_here(uuid: str):
    learner = Learner.get_or_none(Learner.uuid == uuid) or abort(404)
    if learner.origin is not None:
        abort(400)                 # a card from another kiosk is its own kiosk's to keep
    roaming.keep_here(learner, request.form.get("local_only") == "1")
    return redirect(url_for("manage.learner", uuid=uuid) + "#travel")
