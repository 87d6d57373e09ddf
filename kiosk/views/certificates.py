"""A learner's certificate for a completed course, printable on A4, verifiable at the hub once synced."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, g, redirect, render_template, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from sync.client import enrollment

from .. import catalog, certificates
from ..models import Certificate
from .common import learner_required

bp = Blueprint("certificates", __name__)
LOGO = "centre-logo.png"            # in the data folder: the centre's logo, printed on certificates
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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
    data = Path(current_app.config["DATA_PATH"])
    link = enrollment.load(data)
    qr_text = certificates.verification_text(
        data, certificate.code, _("Relais certificate, verification code %(code)s", code=certificate.code))
    return render_template("certificate.html", certificate=certificate, course=course,
                           centre=current_app.config["CENTRE_NAME"] or (link.centre if link else ""),
                           verify_url=qr_text if link else None, has_logo=_logo(data) is not None,
                           qr=Markup(certificates.qr_svg(qr_text)))    # our own SVG: no user text in it


@bp.get("/certificates/centre-logo.png")
def logo():
    """The centre's logo, only if it really is a PNG (the one file of the data folder served here)."""
    path = _logo(Path(current_app.config["DATA_PATH"])) or abort(404)
    return send_file(path, mimetype="image/png", max_age=300)


def _logo(data: Path) -> Path | None:
    path = data / LOGO
    try:
        with open(path, "rb") as handle:
            return path if handle.read(8) == PNG_SIGNATURE else None
    except OSError:
        return None
