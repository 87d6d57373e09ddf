"""GET /sync/v1/cards?since=CURSOR: the learners' cards of the asking kiosk's network (docs §13).

Signed like every kiosk request (the empty body's digest), answered gzip'd and signed with the kiosk's
secret, a page of at most protocol.CARDS_PAGE cards at a time.
"""
from __future__ import annotations

from flask import Blueprint, Response, request

from sync.wire import protocol

from . import cards
from .api import _error
from .content_api import _kiosk

bp = Blueprint("hub_cards", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.get(protocol.CARDS_PATH)
def changed_cards():
    kiosk, refused = _kiosk(protocol.CARDS_PATH)
    if refused:
        return refused
    signed = {"nonce": request.headers.get(protocol.H_NONCE, ""), "secret": kiosk.secret}
    since = request.args.get("since", "0")
    if not protocol.valid_cursor(since):
        return _error(400, "malformed", "since must be a cursor this hub gave", **signed)
    found, cursor, more = cards.page(kiosk, since, protocol.CARDS_PAGE)
    body = protocol.encode_cards(found, cursor, more)
    response = Response(body, status=200, mimetype="application/gzip")
    response.headers[protocol.H_SIG] = protocol.sign(kiosk.secret, protocol.response_message(signed["nonce"], 200, body))
    response.headers["Cache-Control"] = "no-store"
    return response
