"""The kiosk's Flask application factory."""
from __future__ import annotations

import gzip
import os
import secrets
import time
from datetime import datetime
from pathlib import Path

from flask import Flask, request
from flask_babel import Babel
from flask_compress import Compress
from markupsafe import Markup, escape

from sync.base.database import security_headers

from . import db, settings, syncing
from .csrf import csrf
from .i18n import select_locale
from .indexing import index_content
from .views import (
    activity_export,
    audio,
    backups_page,
    card_travel,
    certificates,
    dashboard,
    errors,
    facilitator,
    formatting,
    group_report,
    learn,
    learners,
    manage,
    media,
    narration_page,
    packs,
    prefs,
    selftest_page,
    settings_page,
    status,
    sync_page,
    updates_page,
)
from .views.common import load_request_learner, template_helpers

compress = Compress()

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def create_app(test_config: dict | None = None) -> Flask:
    """Build a kiosk: settings, database (migrated), catalogue (indexed), blueprints."""
    app = Flask(__name__)
    app.config.update(settings.resolve(test_config))
    app.config.update(test_config or {})          # Flask's own keys too (TESTING)
    data_dir = Path(app.config["DATA_DIR"]).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(data_dir)
    app.config.update(
        DATA_PATH=data_dir, CONTENT_PATH=Path(app.config["CONTENT_DIR"]).resolve(),
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_NAME="relais",
        WTF_CSRF_TIME_LIMIT=None, BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent.parent / "locales"),
        BABEL_DEFAULT_LOCALE=app.config["DEFAULT_LANGUAGE"],
        COMPRESS_ALGORITHM=["gzip"], COMPRESS_MIN_SIZE=300, COMPRESS_LEVEL=6,
        COMPRESS_MIMETYPES=["text/html", "text/css", "application/javascript", "text/javascript",
                            "application/json", "image/svg+xml", "text/vtt", "text/plain"],
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    db.open_database(data_dir / "relais.sqlite3")
    with db.database.connection_context():
        app.config["INDEX_REPORT"] = index_content(app.config["CONTENT_PATH"], data_dir,
                                                   app.config["DEFAULT_LANGUAGE"])
    app.config["STARTED_AT"] = time.time()
    db.init_app(app)
    csrf.init_app(app)
    compress.init_app(app)
    Babel(app, locale_selector=select_locale)
    _register(app)
    syncing.init_app(app)
    return app


def _register(app: Flask) -> None:
    app.before_request(load_request_learner)
    app.add_template_filter(highlight)
    app.add_template_filter(datetime.fromtimestamp, "datetime")
    app.context_processor(template_helpers)
    formatting.init_app(app)
    for module in (learners, learn, prefs, media, status, facilitator, dashboard, manage, settings_page,
                   certificates, backups_page, selftest_page, packs, sync_page, updates_page, audio, narration_page,
                   activity_export, group_report, card_travel, errors):
        module.init_app(app)

    @app.after_request
    def _headers(response):
        security_headers(response, CSP)
        if request.endpoint == "static" and request.args.get("v"):
            # static_url() puts a content hash in the URL: the file under it never changes.
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = 365 * 86400
            response.cache_control.immutable = True
        if (400 <= response.status_code < 500 and response.mimetype == "text/html"
                and not response.direct_passthrough and "gzip" in request.headers.get("Accept-Encoding", "")
                and "Content-Encoding" not in response.headers):
            # flask-compress skips non-2xx: form pages with errors are the largest learner pages.
            response.set_data(gzip.compress(response.get_data(), 6))
            response.headers["Content-Encoding"] = "gzip"
            response.vary.add("Accept-Encoding")
        if request.endpoint not in ("static", "media.content_file", "media.cached_file", "audio.clip"):
            # Learner pages: never kept by the browser, so Back after logout shows nothing.
            response.headers["Cache-Control"] = "no-store"
            response.vary.add("Cookie")
        return response


def highlight(snippet: str) -> Markup:
    """Search snippets mark matches with control characters; show them as <mark>, escaping the rest."""
    return Markup(str(escape(snippet)).replace("\x02", "<mark>").replace("\x03", "</mark>"))


def _secret_key(data_dir: Path) -> str:
    """The session signing key, made once per kiosk and kept in its data folder, never in the repo."""
    path = data_dir / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
