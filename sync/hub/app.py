"""The hub's Flask application factory: settings, database, blueprints, CSRF and security headers."""
from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException

from sync.base.database import connect_per_request, security_headers
from sync.wire import protocol

from . import (
    access_pages,
    activity_export,
    api,
    bundle_page,
    cards_api,
    content_api,
    credential_page,
    db,
    lrs_page,
    network_page,
    set_aside_page,
    settings,
    signed_in,
    views,
    xapi_api,
)
from .models import Setting

SYNC_PREFIX = "/sync/"
CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"


def create_hub_app(config: dict | None = None) -> Flask:
    """Build a hub on SQLite (HUB_DATA_DIR) or PostgreSQL (DATABASE_URL)."""
    app = Flask(__name__)
    app.json = _RefusingJSON(app)
    app.config.update(settings.resolve(config))
    app.config.update(config or {})                # Flask's own keys too (TESTING)
    data_dir = Path(app.config["HUB_DATA_DIR"]) if app.config["HUB_DATA_DIR"] else None
    db.open_database(app.config["DATABASE_URL"] or None, data_dir)
    app.config["HUB_CONTENT_DIR"] = str(app.config["HUB_CONTENT_DIR"] or data_dir or "hub-data")
    app.config.update(
        SECRET_KEY=app.config.get("SECRET_KEY") or _shared_secret_key(),
        MAX_CONTENT_LENGTH=protocol.MAX_BODY + 1024, SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_NAME="relais_hub", WTF_CSRF_TIME_LIMIT=None,
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).resolve().parents[2] / "locales"))
    connect_per_request(app, db.database)
    app.after_request(lambda response: security_headers(response, CSP))
    csrf = CSRFProtect(app)
    Babel(app)
    api.init_app(app)
    csrf.exempt(api.bp)             # kiosks sign their requests instead
    content_api.init_app(app)
    csrf.exempt(content_api.bp)
    cards_api.init_app(app)         # GET only, signed like uploads
    signed_in.init_app(app)         # read-only accounts change nothing, whatever the page
    views.init_app(app)
    access_pages.init_app(app)
    set_aside_page.init_app(app)
    bundle_page.init_app(app)
    network_page.init_app(app)
    activity_export.init_app(app)
    xapi_api.init_app(app)
    csrf.exempt(xapi_api.bp)        # GET only, Basic auth or a facilitator session
    lrs_page.init_app(app)
    credential_page.init_app(app)   # anyone may check a badge, like /verify
    app.register_error_handler(HTTPException, _sync_refusal)
    return app


class _RefusingJSON(DefaultJSONProvider):
    """Request JSON nested past Python's recursion limit is malformed JSON (a 400), not a server error."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None


def _sync_refusal(error: HTTPException):
    """On the sync routes every refusal is the JSON kiosks read ({"error", "message"}), a 405 or a 500 too."""
    if error.code is None or not request.path.startswith(SYNC_PREFIX):
        return error                                # facilitators' pages keep werkzeug's page
    response = api._error(error.code, re.sub(r"\W+", "_", error.name.lower()).strip("_"), error.description)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value          # Allow on a 405, Retry-After…
    return response


def _shared_secret_key() -> str:
    """The session signing key lives in the database so that every hub process shares it."""
    with db.database.connection_context():
        Setting.insert(key="secret_key", value=secrets.token_hex(32)).on_conflict_ignore().execute()
        return Setting.get_by_id("secret_key").value
