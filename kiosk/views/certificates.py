"""A learner's certificate for a completed course, printable on A4, verifiable at the hub once synced."""
from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from sync.client import enrollment

from .. import catalog, certificates
from ..i18n import request_language
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
    course = catalog.course(course_id, request_language()) or abort(404)
    if not certificates.is_complete(g.learner, course):
        abort(404)
    certificate = certificates.issue(g.learner, course, current_app.config["SECRET_KEY"],
                                     current_app.config["CENTRE_NAME"],
                                     key=certificates.badge_key(Path(current_app.config["DATA_PATH"])))
    return redirect(url_for(".show", code=certificate.code))


def _own(code: str):
    """The signed-in learner's certificate with this code and its course, or 404."""
    certificate = Certificate.get_or_none((Certificate.code == code) &
                                          (Certificate.learner == g.learner)) or abort(404)
    return certificate, catalog.course(certificate.course_id, request_language()) or abort(404)


@bp.get("/certificates/<code>")
@learner_required
def show(code: str):
    certificate, course = _own(code)
    data = Path(current_app.config["DATA_PATH"])
    link = enrollment.load(data)
    centre = _centre(link)
    proof = certificates.qr_proof(certificate, certificates.badge_of(certificate, course, centre, data))
    qr_text = certificates.verification_text(
        data, certificate.code, _("Relais certificate, verification code %(code)s", code=certificate.code), proof)
    return render_template("certificate.html", certificate=certificate, course=course, centre=centre,
                           verify_url=f"{link.hub_url}/verify" if link else None, has_logo=_logo(data) is not None,
                           qr=Markup(certificates.qr_svg(qr_text)))    # our own SVG: no user text in it


@bp.get("/certificates/<code>/badge.json")
@learner_required
def badge(code: str):
    """The certificate as an Open Badges 3.0 credential, to keep or give to a badge wallet."""
    certificate, course = _own(code)
    data = Path(current_app.config["DATA_PATH"])
    made = certificates.badge_of(certificate, course, _centre(enrollment.load(data)), data)
    return Response(json.dumps(made, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=relais-badge-{certificate.code}.json"})


@bp.get("/certificates/centre-logo.png")
def logo():
    """The centre's logo, only if it really is a PNG (the one file of the data folder served here)."""
    path = _logo(Path(current_app.config["DATA_PATH"])) or abort(404)
    return send_file(path, mimetype="image/png", max_age=300)


def _centre(link) -> str:
    """The centre named on certificates: the kiosk's setting, else the centre it is enrolled for."""
    return current_app.config["CENTRE_NAME"] or (link.centre if link else "")


def _logo(data: Path) -> Path | None:
    path = data / LOGO
    try:
        with open(path, "rb") as handle:
            return path if handle.read(8) == PNG_SIGNATURE else None
    except OSError:
        return None
