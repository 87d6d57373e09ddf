"""The hub: receives kiosks' events, merges them, shows facilitators every centre, speaks xAPI.

Stateless between requests: everything another hub process would need (nonces, sessions' signing
key, acknowledgements) lives in the database, so several processes can share one PostgreSQL.
"""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from .. import protocol
from . import db

DEFAULTS = {
    "HUB_DATA_DIR": None,             # folder for hub.sqlite3 (SQLite)
    "DATABASE_URL": None,             # postgresql://user:password@host/db, instead of SQLite
    "HUB_URL": None,                  # public address, used as the xAPI account homePage
    "HUB_MAX_INGESTS": 4,             # concurrent uploads per process before answering 503
    "HUB_CONTENT_DIR": None,          # published packs' files and trusted keys (default: HUB_DATA_DIR)
}


def create_hub_app(config: dict | None = None) -> Flask:
    """Build a hub on SQLite (HUB_DATA_DIR) or PostgreSQL (DATABASE_URL)."""
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    data_dir = Path(app.config["HUB_DATA_DIR"]) if app.config["HUB_DATA_DIR"] else None
    db.open_database(app.config["DATABASE_URL"], data_dir)
    app.config["HUB_CONTENT_DIR"] = str(app.config["HUB_CONTENT_DIR"] or data_dir or "hub-data")
    app.config.update(
        SECRET_KEY=app.config.get("SECRET_KEY") or _shared_secret_key(),
        MAX_CONTENT_LENGTH=protocol.MAX_BODY + 1024, SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_NAME="relais_hub", WTF_CSRF_TIME_LIMIT=None,
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).resolve().parents[2] / "locales"))
    _connect_per_request(app)
    csrf = CSRFProtect(app)
    Babel(app)
    from . import api, content_api, views, xapi
    api.init_app(app)
    csrf.exempt(api.bp)             # kiosks sign their requests instead
    content_api.init_app(app)
    csrf.exempt(content_api.bp)
    views.init_app(app)
    xapi.init_app(app)
    csrf.exempt(xapi.bp)            # GET only, Basic auth or a facilitator session
    return app


def _shared_secret_key() -> str:
    """The session signing key lives in the database so that every hub process shares it."""
    from .models import Setting

    with db.database.connection_context():
        Setting.insert(key="secret_key", value=secrets.token_hex(32)).on_conflict_ignore().execute()
        return Setting.get_by_id("secret_key").value


def _connect_per_request(app: Flask) -> None:
    @app.before_request
    def _connect():
        db.database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.database.is_closed():
            db.database.close()

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
        return response
