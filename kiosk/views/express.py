"""The kept pages' express lane: a learner's lesson page sent from its kept copy without Flask's request.

Under load, Flask's request machinery (the request and its context, routing, the session, six hooks, the
response object and its headers) cost the lesson page more than the page itself: in a loop the bare
Flask ceiling takes a sixth of the kiosk's lesson page. This WSGI layer sits between the static files and
Flask and answers one kind of request itself: a GET of a lesson step by a learner whose session is in
steady state, for a page already kept. It asks the same functions the view asks (the session's
learner, the language rule, `learn.lesson_page`, the kept page and its fills), inside an application
context only, and sends the headers the Flask lane sends.

Anything out of the ordinary goes on to Flask untouched, which then answers as it always did: a cookie
whose signature was not checked yet, a session holding anything but a learner's token and CSRF token,
a session to end or to touch (those write), the content switch check being due, a query string other
than `step=N`, a page not kept yet, a narration offer not known yet, any error. So this lane never
writes and never refuses: each of those cases is Flask's.
"""
from __future__ import annotations

import functools
import re
import time

from flask import g
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_cookie
from werkzeug.routing import RequestRedirect

from .. import sessions
from ..db import database
from ..csrf import signed_for
from ..i18n import browser_language, choose_language, known_language, on_screen_address
from ..page_headers import SECURITY
from ..static_files import accepts_gzip
from . import learn, packs
from .common import prefs
from .page_cache import cache, filled, page_key

_PATH = re.compile(r"/[A-Za-z0-9._~/-]{1,300}")
_QUERY = re.compile(r"(?:step=([0-9]{1,4}))?")
SESSION_KEYS = frozenset({"learner_token", "csrf_token"})
ROUTES = 4096           # paths whose route is remembered
# What the Flask lane sends with a kept learner page (page_cache._response, then page_headers.finish).
HEADERS = (("Content-Type", "text/html; charset=utf-8"), ("Vary", "Accept-Encoding, Cookie"),
           *SECURITY, ("Cache-Control", "no-store"))


class Unready(Exception):
    """Something the page needs is not known yet: Flask makes it."""


class Express:
    """WSGI middleware: steady-state lesson pages from their kept copies; everything else to `next_app`."""

    def __init__(self, app, next_app):
        self.app, self.next = app, next_app
        self._routes: dict[str, tuple | None] = {}
        self._adapter = app.url_map.bind("localhost")
        self.served = 0          # pages this lane answered (the tests read it)

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET":
            try:
                answer = self._answer(environ)
            except Exception:       # noqa: BLE001 - never this lane's error: Flask answers instead
                self.app.logger.exception("express lane: passed on to Flask")
                answer = None
            if answer is not None:
                body, gzipped = answer
                headers = [*HEADERS, ("Content-Length", str(len(body)))]
                if gzipped:
                    headers.append(("Content-Encoding", "gzip"))
                start_response("200 OK", headers)
                self.served += 1
                return [body]
        return self.next(environ, start_response)

    def _route(self, path: str) -> tuple | None:
        """(endpoint, arguments) for a path, asked of Flask's own URL map once per path."""
        try:
            return self._routes[path]
        except KeyError:
            pass
        try:
            found = self._adapter.match(path, method="GET")
        except (HTTPException, RequestRedirect):
            found = None
        if len(self._routes) >= ROUTES:
            self._routes.clear()
        self._routes[path] = found
        return found

    def _answer(self, environ) -> tuple[bytes, bool] | None:
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        if not _PATH.fullmatch(path) or "//" in path or environ.get("SCRIPT_NAME"):
            return None
        asked = _QUERY.fullmatch(query)
        route = self._route(path) if asked else None
        if route is None or route[0] != "learn.lesson":
            return None
        app = self.app
        if time.monotonic() - app.extensions["packs"]["checked"] >= packs.CHECK_EVERY:
            return None             # the content switch check is due: Flask's before_request makes it
        cookies = _cookies(environ.get("HTTP_COOKIE", ""))
        value = cookies.get(app.config["SESSION_COOKIE_NAME"])
        data = app.session_interface.remembered(app, value) if value else None
        if data is None or data.keys() != SESSION_KEYS:
            return None
        token, raw_csrf = data["learner_token"], data["csrf_token"]
        if not isinstance(token, str) or not isinstance(raw_csrf, str):
            return None
        signed = signed_for(app, raw_csrf)
        if signed is None:
            return None
        with app.app_context():
            database.connect(reuse_if_open=True)
            try:
                return self._page(environ, route[1], asked.group(1), cookies, token, signed)
            finally:
                if not database.is_closed():
                    database.close()

    def _page(self, environ, args: dict, step: str | None, cookies, token: str, signed: str):
        now = time.time()
        learner = sessions.learner_of(token)
        if learner is None or sessions.freshness(learner, now) != sessions.FRESH:
            return None
        g.learner = learner
        language = choose_language(learner, known_language(cookies.get("lang")),
                                   on_screen_address(environ.get("REMOTE_ADDR")),
                                   lambda: browser_language(environ.get("HTTP_ACCEPT_LANGUAGE", "")))
        shown = prefs()
        try:
            page = learn.lesson_page(args["course_id"], args["slug"], None if step is None else int(step),
                                     learner, language, shown, _unready)
        except Unready:
            return None
        if page is None:
            return None             # a 404: Flask's error page
        template, facts, _context, _stand_ins = page
        key = page_key(template, facts, language, shown, learner)
        kept = cache().get(key) if key is not None else None
        if kept is None:
            return None
        full_path = f"{environ['PATH_INFO']}?{environ.get('QUERY_STRING', '')}"
        fills = {"csrf": lambda: signed, "path": lambda: full_path, "name": lambda: learner.name,
                 "uuid": lambda: learner.uuid, "idle": lambda: sessions.seconds_left(learner, now)}
        if any(name not in fills for name in kept.names):
            return None
        return filled(kept, fills, accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")))


def _unready(*_args):
    raise Unready


@functools.lru_cache(maxsize=256)
def _cookies(header: str):
    """The request's cookies as Flask's request reads them (werkzeug's parser; the first of a name wins)."""
    return parse_cookie(header)

