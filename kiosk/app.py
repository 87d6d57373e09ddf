"""The kiosk's Flask application factory."""
from __future__ import annotations

import os
import secrets
import time
from datetime import datetime
from pathlib import Path

from flask import Flask, request
from flask_babel import Babel
from flask_compress import Compress
from markupsafe import Markup, escape

from . import db, page_headers, settings, static_files, syncing
from .csrf import csrf, signed_token
from .i18n import select_locale
from .indexing import index_content
from .page_headers import CSP
from .session_cookie import RememberedCookieSessions
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
from .views.express import Express

compress = Compress()


class KioskFlask(Flask):
    """Flask, asking once per hook and view whether it is a coroutine.

    Flask asks `inspect` on every request, for each before- and after-request hook, teardown and view
    (eight times for a lesson page); the kiosk's functions never change, so the answer is kept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._made_sync: dict = {}

    def ensure_sync(self, func):
        made = self._made_sync.get(func)
        if made is None:
            made = self._made_sync[func] = super().ensure_sync(func)
        return made


def create_app(test_config: dict | None = None) -> Flask:
    """Build a kiosk: settings, database (migrated), catalogue (indexed), blueprints."""
    app = KioskFlask(__name__)
    app.session_interface = RememberedCookieSessions()
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
        COMPRESS_ALGORITHM=["gzip"], COMPRESS_MIN_SIZE=300, COMPRESS_LEVEL=6, COMPRESS_REGISTER=False,
        COMPRESS_MIMETYPES=["text/html", "text/css", "application/javascript", "text/javascript",
                            "application/json", "image/svg+xml", "text/vtt", "text/plain"],
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    db.open_database(data_dir / "relais.sqlite3")
    with db.database.connection_context():
        app.config["INDEX_REPORT"] = index_content(app.config["CONTENT_PATH"], data_dir,
                                                   app.config["DEFAULT_LANGUAGE"], problems=False)
    app.config["STARTED_AT"] = time.time()
    db.init_app(app)
    csrf.init_app(app)
    compress.init_app(app)              # COMPRESS_REGISTER off: _compress below calls it
    app.after_request(_compress)
    Babel(app, locale_selector=select_locale)
    _register(app)
    syncing.init_app(app)
    app.extensions["express"] = Express(app, app.wsgi_app)
    app.wsgi_app = static_files.StaticFiles(app.extensions["express"], app.static_folder, CSP, debug=app.debug)
    return app


def _register(app: Flask) -> None:
    app.before_request(load_request_learner)
    app.jinja_env.globals["csrf_token"] = signed_token       # signed once per session, not per page
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
        return page_headers.finish(response, request)


def _compress(response):
    """flask-compress for a response not gzip'd yet, to a browser that accepts gzip: a kept page is gzip'd as
    it is filled (with its Vary), and flask-compress would still parse the request's Accept-Encoding to
    leave it alone; and it takes `gzip;q=0` (gzip refused) for gzip."""
    if "Content-Encoding" in response.headers:
        return response
    if not static_files.accepts_gzip(request.headers.get("Accept-Encoding", "")):
        response.vary.add("Accept-Encoding")
        return response
    return compress.after_request(response)


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
