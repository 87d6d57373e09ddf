"""What kiosks fetch from the hub: the content offer and the blobs, both with signed requests.

A blob answer honours HTTP Range (werkzeug's conditional responses), so a kiosk whose link cut after
300 KB of a 2 MB video asks for the rest only. Blobs need no response signature: the kiosk checks each
one against the SHA-256 in a manifest signed by a key it trusts.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, request, send_file

from sync.base.untrusted_files import served_untrusted
from sync.packs.registry import label
from sync.wire import protocol

from . import auth, publish
from .api import _error, _now_ms

bp = Blueprint("hub_content", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


def _kiosk(path: str):
    """The kiosk that signed this GET, or a 401 answer."""
    try:
        return auth.authenticate("GET", path, request.headers, b"", _now_ms()), None
    except auth.Refused as refused:
        secret = refused.kiosk.secret if refused.kiosk else None
        return None, _error(401, "clock" if refused.reason == "clock" else "unauthorized", refused.reason,
                            nonce=request.headers.get(protocol.H_NONCE, ""), secret=secret)


@bp.get(protocol.CONTENT_PATH)
def offer():
    kiosk, refused = _kiosk(protocol.CONTENT_PATH)
    if refused:
        return refused
    publish.remember_installed(kiosk, request.args.get("installed", ""), _now_ms() / 1000)
    publication = publish.offer_for(kiosk)
    if publication and request.args.get("have") == label(publication.pack_id, publication.version):
        publication = None                     # the kiosk has it, or is fetching it, or refused it
    body = protocol.encode_offer(publish.offer_json(publication))
    response = Response(body, status=200, mimetype="application/gzip")
    response.headers[protocol.H_SIG] = protocol.sign(
        kiosk.secret, protocol.response_message(request.headers[protocol.H_NONCE], 200, body))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get(protocol.BLOBS_PATH + "<name>")
def blob(name: str):
    kiosk, refused = _kiosk(protocol.BLOBS_PATH + name)
    if refused:
        return refused
    sha, gzipped = (name[:-3], True) if name.endswith(".gz") else (name, False)
    path = publish.blob_path(Path(current_app.config["HUB_CONTENT_DIR"]), sha, gzipped)
    if path is None or not path.is_file():
        return _error(404, "not_found", "no such file on this hub")
    response = send_file(path, mimetype="application/octet-stream", conditional=True, etag=True, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return served_untrusted(response, "application/octet-stream", download=True)   # a course's file
