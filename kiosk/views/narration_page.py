"""The facilitator's page on narration: which lessons cannot be heard yet, why, and how to fix it."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from ..narration.overview import engines, overview
from .facilitator import facilitator_required

bp = Blueprint("narration_page", __name__, url_prefix="/facilitator/narration")


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.get("/")
@facilitator_required
def page():
    config = current_app.config["NARRATION_CONFIG"]
    lessons = overview(config)
    voices = engines(config, {lesson.language for lesson in lessons})
    return render_template("facilitator/narration.html", lessons=lessons, voices=voices, enabled=config.enabled,
                           voices_dir=config.voices_dir)
