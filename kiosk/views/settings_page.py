"""The kiosk's settings page for facilitators, and GET /-/settings.json for tools and the hub."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import syncing
from ..db import database
from ..i18n import LANGUAGES
from ..models import KioskSetting
from .facilitator import facilitator_required

bp = Blueprint("settings_page", __name__)
EDITABLE = ("KIOSK_NAME", "CENTRE_NAME", "DEFAULT_LANGUAGE", "IDLE_MINUTES")


def init_app(app) -> None:
    app.register_blueprint(bp)
    with database.connection_context():
        for row in KioskSetting.select():
            if row.key in EDITABLE:
                app.config[row.key] = row.value


def _hub_status() -> dict:
    return syncing.summary(Path(current_app.config["DATA_PATH"]))


@bp.get("/-/settings.json")
def settings_json():
    config = current_app.config
    return {"kiosk_name": config["KIOSK_NAME"], "centre": config["CENTRE_NAME"],
            "default_language": config["DEFAULT_LANGUAGE"], "idle_minutes": config["IDLE_MINUTES"],
            "languages": list(LANGUAGES), "hub": _hub_status()}


@bp.route("/facilitator/settings", methods=["GET", "POST"])
@facilitator_required
def settings():
    errors = {}
    if request.method == "POST":
        values = {"KIOSK_NAME": request.form.get("kiosk_name", "").strip()[:60] or "Relais",
                  "CENTRE_NAME": request.form.get("centre", "").strip()[:120],
                  "DEFAULT_LANGUAGE": request.form.get("default_language", "fr")}
        if values["DEFAULT_LANGUAGE"] not in LANGUAGES:
            errors["default_language"] = _("Please choose a language from the list.")
        minutes = request.form.get("idle_minutes", type=int)
        if minutes is None or not 1 <= minutes <= 120:
            errors["idle_minutes"] = _("Please give a number of minutes between 1 and 120.")
        else:
            values["IDLE_MINUTES"] = minutes
        if not errors:
            for key, value in values.items():
                KioskSetting.insert(key=key, value=value).on_conflict_replace().execute()
                current_app.config[key] = value
            flash(_("The settings were saved."), "ok")
            return redirect(url_for(".settings"))
    return render_template("facilitator/settings.html", errors=errors, hub=_hub_status(),
                           languages=LANGUAGES), (400 if errors else 200)
