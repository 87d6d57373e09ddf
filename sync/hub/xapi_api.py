"""GET /xapi/statements and GET /xapi/about: the hub as a read-only Learning Record Store (xAPI 1.0.3).

Every answer, a refusal too, carries X-Experience-API-Version; a request must say which version it speaks
(1.0.0 to 1.0.3) or it is refused with 400. Statements are those of the reader's scope (sync/hub/scopes.py),
a hub facilitator signed in or sending HTTP Basic. The rules live in xapi_read.py; this module only speaks HTTP.
"""
from __future__ import annotations

import base64
import json
import re
import time

from flask import Blueprint, Response, current_app, request, url_for

from . import auth, xapi, xapi_read
from .signed_in import current_facilitator, current_scope, use_account

bp = Blueprint("xapi", __name__)
SPOKEN = re.compile(r"1\.0(\.[0-3])?")


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.after_request
def _version(response: Response) -> Response:
    response.headers["X-Experience-API-Version"] = xapi.VERSION
    return response


def home_page() -> str:
    """The hub's configured public address: never the request's Host header."""
    return xapi.public_url(current_app.config)


def _allowed() -> bool:
    """Whether a facilitator is signed in or sent a right HTTP Basic password (then bound to the request)."""
    if current_facilitator() is not None:
        return True
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        name, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    use_account(auth.check_login(name, password))
    return current_facilitator() is not None


def _refuse(status: int, message: str, **headers) -> Response:
    return Response(message, status, headers, mimetype="text/plain")


def _json(body, **headers) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json", headers=headers)


@bp.get("/xapi/about")
def about():
    """The versions this LRS speaks (open to anyone, as the specification asks)."""
    return _json({"version": [xapi.VERSION], "extensions": {}})


@bp.get("/xapi/statements")
def statements():
    """One statement (statementId) or a StatementResult with a `more` link, newest first by default."""
    if not _allowed():
        return _refuse(401, "Sign in (HTTP Basic, a hub facilitator account).",
                       **{"WWW-Authenticate": 'Basic realm="Relais hub"'})
    spoken = request.headers.get("X-Experience-API-Version", "").strip()
    if not SPOKEN.fullmatch(spoken):
        return _refuse(400, f"send X-Experience-API-Version: {xapi.VERSION} (this hub speaks 1.0.0 to 1.0.3"
                            + (f", not {spoken[:20]}" if spoken else "") + ")")
    home = home_page()
    try:
        query = xapi_read.parse(request.args, home)
    except xapi_read.Refused as refused:
        return _refuse(400, str(refused))
    consistent = {"X-Experience-API-Consistent-Through": xapi.iso(time.time())}
    if query.statement_id is not None:
        found = xapi_read.one(query, current_scope(), home)
        if found is None:
            return _refuse(404, "no such statement in what you may see", **consistent)
        return _json(found, **consistent)
    found, cursor = xapi_read.read(query, current_scope(), home)
    more = url_for(".statements", **dict(request.args.items(), after=cursor)) if cursor else ""
    return _json({"statements": found, "more": more}, **consistent)
