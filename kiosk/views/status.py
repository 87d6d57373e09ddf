"""Health and introspection for facilitators and monitoring: /healthz."""
from __future__ import annotations

from flask import Blueprint, current_app

from .. import catalog
from ..models import Learner

bp = Blueprint("status", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.get("/healthz")
def healthz():
    report = current_app.config["INDEX_REPORT"]
    return {"status": "ok", **catalog.counts(), "learners": Learner.select().count(),
            "skipped_files": report.skipped, "problems": report.problem_count,
            "index_seconds": round(report.seconds, 3)}
