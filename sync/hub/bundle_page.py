"""The hub's USB bundles page: a facilitator uploads a kiosk's bundle and downloads the signed receipt."""
from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from sync.wire.bundle import MAX_BUNDLE, write_atomic

from . import bundles
from .signed_in import current_scope
from .views import login_required

bp = Blueprint("hub_bundles", __name__, template_folder="templates")
RECEIPTS = "receipts"                   # in the hub's data folder: ids, counts and reasons only
DIGEST = re.compile(r"^[0-9a-f]{64}$")


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.extensions["csrf"].exempt(page)           # checked in the view, once its upload limit is raised


def _data_dir() -> Path:
    return Path(current_app.config["HUB_CONTENT_DIR"])


@bp.route("/bundles", methods=["GET", "POST"])
@login_required
def page():
    message = error = receipt = None
    if request.method == "POST":
        request.max_content_length = MAX_BUNDLE      # a bundle of months of records is bigger than an upload
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as refused:
            raise CSRFError(refused.args[0]) from None
        sent = request.files.get("bundle")
        if sent is None or not sent.filename:
            error = _("Please choose a bundle file (.relais) from the kiosk's USB stick.")
        else:
            error, message, receipt = _import(sent.read())
    return render_template("hub/bundles.html", message=message, error=error, receipt=receipt), (400 if error else 200)


def _import(data: bytes):
    """(error, message, receipt digest) for the page; the receipt is kept for its download link."""
    try:
        done = bundles.import_bundle(data, _data_dir(), allowed=lambda kiosk: current_scope().holds_kiosk(kiosk.id))
    except bundles.Refused as refused:
        return _("The bundle was not imported; nothing changed. Reason: %(reason)s", reason=str(refused)), None, None
    folder = _data_dir() / RECEIPTS / done.kiosk.id          # by kiosk: a receipt is shown only within scope
    folder.mkdir(parents=True, exist_ok=True)
    name = done.bundle_digest
    write_atomic(folder / f"{name}.receipt", done.receipt)
    if done.already:
        return None, _("Already imported, nothing changed: the hub held all %(num)s records of this bundle from "
                       "%(centre)s. Download the receipt again below.", num=done.events, centre=done.kiosk.centre), name
    return None, ngettext("%(num)s new record from %(centre)s was taken. Download the receipt and take it back to "
                          "the kiosk on the stick.", "%(num)s new records from %(centre)s were taken. Download the "
                          "receipt and take it back to the kiosk on the stick.", done.stored,
                          centre=done.kiosk.centre), name


@bp.get("/bundles/receipt/<name>")
@login_required
def receipt(name):
    if not DIGEST.match(name):
        abort(404)
    scope = current_scope()
    found = [path for path in (_data_dir() / RECEIPTS).glob(f"*/{name}.receipt") if scope.holds_kiosk(path.parent.name)]
    if not found:
        abort(404)
    path = found[0]
    return send_file(path, mimetype="application/octet-stream", as_attachment=True,
                     download_name=f"relais-{name[:12]}.receipt")
