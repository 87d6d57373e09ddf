"""The hub's machine-facing endpoints: enrolment and event upload (docs/sync-protocol.md)."""
from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

from flask import Blueprint, Response, current_app, request

from sync.wire import checks, protocol

from . import auth, bundles, ingest, publish

bp = Blueprint("hub_api", __name__)
EPOCH = re.compile(r"[1-9][0-9]{0,9}")


def init_app(app) -> None:
    # A per-process cap on concurrent ingests; past it the hub says 503 rather than queueing.
    app.extensions["hub_ingest_slots"] = threading.BoundedSemaphore(max(1, app.config["HUB_MAX_INGESTS"]))
    app.register_blueprint(bp)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _answer(status: int, body: dict, nonce: str | None = None, secret: str | None = None,
            retry_after: int | None = None) -> Response:
    """A JSON answer carrying the hub's clock, signed when the kiosk is known."""
    hub_time = _now_ms()
    data = json.dumps(dict(body, hub_time=hub_time), separators=(",", ":")).encode()
    response = Response(data, status=status, mimetype="application/json")
    response.headers[protocol.H_HUB_TIME] = str(hub_time)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    if nonce and secret:
        response.headers[protocol.H_SIG] = protocol.sign(secret, protocol.response_message(nonce, status, data))
    return response


def _error(status: int, code: str, message: str, **extra) -> Response:
    return _answer(status, {"error": code, "message": message}, **extra)


@bp.post(protocol.ENROLL_PATH)
def enroll():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        return _error(400, "malformed", "expected {\"code\": \"…\"}")
    epochs = _epoch_starts(body.get("epochs") or {})
    if epochs is None:
        return _error(400, "malformed", "epochs must map epoch numbers to first sequences")
    installation = body.get("installation")
    if installation is not None and (not isinstance(installation, str) or checks.text_problem(installation)):
        return _error(400, "malformed", "installation must be text without control characters")
    try:
        kiosk = auth.enroll(body["code"], installation, epochs)
    except auth.Refused as refused:
        return _error(401, "enrolment_refused", refused.reason)
    return _answer(200, {"kiosk_id": kiosk.id, "secret": kiosk.secret, "centre": kiosk.centre,
                         "bundle_key": bundles.public_key_or_none(Path(current_app.config["HUB_CONTENT_DIR"]))})


def _epoch_starts(epochs) -> dict[int, int] | None:
    """{epoch: first sequence kept} from an enrolment, or None unless each is a number the hub can store."""
    if not isinstance(epochs, dict):
        return None
    starts = {}
    for epoch, first in epochs.items():
        if not EPOCH.fullmatch(epoch) or int(epoch) >= 2**31 or isinstance(first, bool) \
                or not isinstance(first, int) or not 1 <= first < 2**53:
            return None
        starts[int(epoch)] = first       # the pattern has no leading zero: no epoch twice
    return starts


@bp.post(protocol.EVENTS_PATH)
def events():
    slots = current_app.extensions["hub_ingest_slots"]
    if not slots.acquire(blocking=False):
        return _error(503, "busy", "the hub is busy; try again shortly", retry_after=5)
    try:
        return _events()
    finally:
        slots.release()


def _events() -> Response:
    length = request.content_length
    if length is None:
        return _error(400, "malformed", "a Content-Length is required")
    if length > protocol.MAX_BODY:
        return _error(413, "too_large", f"at most {protocol.MAX_BODY} bytes per request")
    body = request.get_data(cache=False)
    nonce = request.headers.get(protocol.H_NONCE, "")
    try:
        kiosk = auth.authenticate("POST", protocol.EVENTS_PATH, request.headers, body, _now_ms())
    except auth.Refused as refused:
        secret = refused.kiosk.secret if refused.kiosk else None
        return _error(401, "clock" if refused.reason == "clock" else "unauthorized", refused.reason,
                      nonce=nonce, secret=secret)
    signed = {"nonce": nonce, "secret": kiosk.secret}
    try:
        batch = protocol.decode_batch(body)
        ack = ingest.ingest(kiosk, batch)
    except protocol.TooLarge as error:
        return _error(413, "too_large", str(error), **signed)
    except protocol.Malformed as error:
        return _error(400, "malformed", str(error), **signed)
    except ingest.Conflict as error:
        return _error(409, "conflict", str(error), **signed)
    except ingest.Busy as busy:
        return _error(busy.status, "busy", "the hub is busy; try again shortly", retry_after=busy.retry_after,
                      **signed)
    return _answer(200, {"acked": {str(k): v for k, v in ack.acked.items()}, "stored": ack.stored,
                         "duplicates": ack.duplicates, "set_aside": ack.set_aside,
                         "content": publish.hint_for(kiosk)}, **signed)
