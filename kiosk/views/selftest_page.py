"""The facilitator's capacity self-test page: run it, then read one plain sentence."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for

from .. import selftest
from ..models import KioskSetting
from .facilitator import facilitator_required

bp = Blueprint("selftest_page", __name__, url_prefix="/facilitator")


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.get("/selftest")
@facilitator_required
def page():
    row = KioskSetting.get_or_none(KioskSetting.key == "selftest")
    return render_template("facilitator/selftest.html", result=row.value if row else None,
                           hotspot_limit=selftest.WIFI_HOTSPOT_LIMIT)


@bp.post("/selftest")
@facilitator_required
def start():
    result = selftest.run(current_app.config["CONTENT_PATH"], seconds=6, clients=3)
    KioskSetting.insert(key="selftest", value=result.as_dict()).on_conflict_replace().execute()
    return redirect(url_for(".page"))
