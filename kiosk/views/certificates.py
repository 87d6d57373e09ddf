"""A learner's certificate for a completed course, printable on A4, verifiable at the hub once synced."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, url_for
from flask_babel import get_locale

from .. import catalog, certificates
from ..models import Certificate
from .common import learner_required

bp = Blueprint("certificates", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.post("/courses/<course_id>/certificate")
@learner_required
def issue(course_id: str):
    course = catalog.course(course_id, str(get_locale())) or abort(404)
    if not certificates.is_complete(g.learner, course):
        abort(404)
    certificate = certificates.issue(g.learner, course, current_app.config["SECRET_KEY"],
                                     current_app.config["CENTRE_NAME"])
    return redirect(url_for(".show", code=certificate.code))


@bp.get("/certificates/<code>")
@learner_required
def show(code: str):
    certificate = Certificate.get_or_none((Certificate.code == code) &
                                          (Certificate.learner == g.learner)) or abort(404)
    course = catalog.course(certificate.course_id, str(get_locale())) or abort(404)
    return render_template("certificate.html", certificate=certificate, course=course,
                           centre=current_app.config["CENTRE_NAME"])
