"""The kept pages' express lane: a learner's lesson, home and catalogue, and "Who is learning?", sent from
their kept copies without Flask's request machinery.

Under load, Flask's request machinery (the request and its context, routing, the session, six hooks, the
response object and its headers) cost the lesson page more than the page itself: in a loop the bare
Flask ceiling takes a sixth of the kiosk's lesson page. This WSGI layer sits between the static files and
Flask and answers two kinds of request itself, for a page already kept: a GET of a lesson step, home or
the catalogue by a learner whose session is in steady state, and a GET of "Who is learning?" (no query)
by a visitor who is not logged in, on a first visit too (its new session's cookie signed and set as
Flask's session interface does). It asks the same functions the views ask (the session's learner, the
language rule, `learn.lesson_page`, `home_page` and `catalogue_page`, `learners.who_page`, the kept page
and its fills), inside an application context only, and sends the headers the Flask lane sends.

Anything out of the ordinary goes on to Flask untouched, which then answers as it always did: a cookie
whose signature was not checked yet; a session holding anything but a learner's token and CSRF token
(on a learner's page) or a visitor's CSRF token and display settings (on the first screen); a session
to end or to touch (those write); the content switch check being due; a query string other than
`step=N` on a lesson or any on the other pages; a page not kept yet; a narration offer not known yet;
any error. So this lane never writes to the database and never refuses: each of those cases is Flask's.

The lane answers one request at a time. Its work (about 0.2 ms of Python a page) holds the interpreter
lock all but its SQLite reads, so several at once gain nothing; but each of those reads lets the lock go,
and with all the server's threads in the lane the one that let it go waited for it behind the others: on
a 1,000-lesson kiosk at 16 connections, 1 % of the lane's calls took 10 ms or more for 0.4 ms of work, and
the lesson page's p99 was 31-63 ms. One at a time (a plain lock: the others wait in it asleep, not for
the interpreter) it was 18-25 ms at the same throughput; two at a time, 30-33 ms. A request that waits
longer than GATE_WAIT (a slow card stalling the one in the lane) goes to Flask instead.
"""
from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable

from flask import g
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_cookie
from werkzeug.routing import RequestRedirect

from .. import sessions
from ..csrf import new_token, signed_for
from ..db import database
from ..i18n import browser_language, choose_language, known_language, on_screen_address
from ..page_headers import SECURITY
from ..static_files import accepts_gzip
from . import learn, learners, packs
from .common import prefs_of
from .page_cache import cache, filled, page_key, visitor_fills

_PATH = re.compile(r"/[A-Za-z0-9._~/-]{0,300}")
_QUERY = re.compile(r"(?:step=([0-9]{1,4}))?")
SESSION_KEYS = frozenset({"learner_token", "csrf_token"})           # a learner's
VISITOR_KEYS = frozenset({"csrf_token", "visitor_prefs"})           # a visitor's, between learners
ROUTES = 4096           # paths whose route is remembered
GATE_WAIT = 0.05        # seconds a request waits for the lane (one at a time) before going to Flask
# What the Flask lane sends with a kept learner page (page_cache._response, then page_headers.finish).
HEADERS = (("Content-Type", "text/html; charset=utf-8"), ("Vary", "Accept-Encoding, Cookie"),
           *SECURITY, ("Cache-Control", "no-store"))


class Unready(Exception):
    """Something the page needs is not known yet: Flask makes it."""


class Express:
    """WSGI middleware: steady-state kept pages from their kept copies; everything else to `next_app`."""

    def __init__(self, app, next_app):
        self.app, self.next = app, next_app
        self._routes: dict[str, tuple | None] = {}
        self._adapter = app.url_map.bind("localhost")
        self._pages = {
            "learn.lesson": self._lesson, "learners.who": self._who,
            "learn.home": self._query_free(lambda learner, language, _shown: learn.home_page(learner, language, False)),
            "learn.catalogue": self._query_free(lambda learner, language, _shown: learn.catalogue_page(learner,
                                                                                                     language)),
        }
        self.gate = threading.Lock()         # the lane's one request at a time
        self.served = 0          # pages this lane answered (the tests read it)
        self.busy = 0            # requests that found the lane busy past GATE_WAIT: Flask's

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET":
            try:
                answer = self._answer(environ)
            except Exception:       # noqa: BLE001 - never this lane's error: Flask answers instead
                self.app.logger.exception("express lane: passed on to Flask")
                answer = None
            if answer is not None:
                body, gzipped, cookie = answer
                headers = [*HEADERS, ("Content-Length", str(len(body)))]
                if gzipped:
                    headers.append(("Content-Encoding", "gzip"))
                if cookie:
                    headers.append(("Set-Cookie", cookie))
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

    def _answer(self, environ) -> tuple[bytes, bool, str | None] | None:
        path = environ.get("PATH_INFO", "")
        if not _PATH.fullmatch(path) or "//" in path or environ.get("SCRIPT_NAME"):
            return None
        asked = _QUERY.fullmatch(environ.get("QUERY_STRING", ""))
        route = self._route(path) if asked else None
        page = self._pages.get(route[0]) if route is not None else None
        if page is None:
            return None
        if not self.gate.acquire(timeout=GATE_WAIT):
            self.busy += 1
            return None
        try:
            return self._page(environ, page, route[1], asked.group(1))
        finally:
            self.gate.release()

    def _page(self, environ, page: Callable, args: dict, step: str | None):
        """`page`'s answer for this request, in the lane; None for Flask."""
        app = self.app
        if time.monotonic() - app.extensions["packs"]["checked"] >= packs.CHECK_EVERY:
            return None             # the content switch check is due: Flask's before_request makes it
        cookies = _cookies(environ.get("HTTP_COOKIE", ""))
        value = cookies.get(app.config["SESSION_COOKIE_NAME"])
        data = app.session_interface.remembered(app, value) if value else {}
        if data is None:
            return None             # a cookie whose signature Flask has not checked yet
        with app.app_context():
            database.connect(reuse_if_open=True)
            try:
                return page(environ, args, step, cookies, data, time.time())
            finally:
                if not database.is_closed():
                    database.close()

    def _language(self, environ, learner, cookies) -> str:
        return choose_language(learner, known_language(cookies.get("lang")),
                               on_screen_address(environ.get("REMOTE_ADDR")),
                               lambda: browser_language(environ.get("HTTP_ACCEPT_LANGUAGE", "")))

    def _lesson(self, environ, args: dict, step: str | None, cookies, data: dict, now: float):
        """A lesson step (`?step=N` or none)."""
        return self._learners_page(environ, cookies, data, now, lambda learner, language, shown: learn.lesson_page(
            args["course_id"], args["slug"], None if step is None else int(step), learner, language, shown,
            _unready))

    def _query_free(self, make: Callable):
        """A handler for a learner's page taken without a query (home's `?welcome=1` is Flask's)."""
        def handler(environ, args: dict, step: str | None, cookies, data: dict, now: float):
            if environ.get("QUERY_STRING"):
                return None
            return self._learners_page(environ, cookies, data, now, make)
        return handler

    def _learners_page(self, environ, cookies, data: dict, now: float, make: Callable):
        """A page of a learner whose session needs no writing: `make(learner, language, prefs)` gives its parts."""
        if data.keys() != SESSION_KEYS or not all(isinstance(data[k], str) for k in SESSION_KEYS):
            return None
        signed = signed_for(self.app, data["csrf_token"])
        learner = sessions.learner_of(data["learner_token"]) if signed is not None else None
        if learner is None or sessions.freshness(learner, now) != sessions.FRESH:
            return None
        g.learner = learner
        language, shown = self._language(environ, learner, cookies), prefs_of(learner, data)
        try:
            page = make(learner, language, shown)
        except Unready:
            return None
        kept = _kept(page, language, shown, learner)
        if kept is None:
            return None
        return (*filled(kept, visitor_fills(learner, lambda: signed, _full_path(environ), now),
                        accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))), None)

    def _who(self, environ, args: dict, step: str | None, cookies, data: dict, now: float):
        """The first screen for a visitor: no query, nobody logged in, a first visit or the screen's own."""
        if environ.get("QUERY_STRING") or not data.keys() <= VISITOR_KEYS:
            return None
        raw = data.get("csrf_token")
        if data and not isinstance(raw, str):
            return None
        signed = signed_for(self.app, raw) if raw else None
        if raw and signed is None:
            return None
        g.learner = None
        language = self._language(environ, None, cookies)
        shown = prefs_of(None, data)
        try:
            page = learners.who_page("", 1, False, language, shown, _unready)
        except Unready:
            return None
        kept = _kept(page, language, shown, None)
        if kept is None:
            return None
        made = []

        def csrf() -> str:
            """The session's token; a first visit's is made here, as Flask's lane makes it when a page asks."""
            if signed is not None:
                return signed
            new_raw, new_signed = new_token(self.app)
            made.append(self.app.session_interface.new_cookie(self.app, {"csrf_token": new_raw}))
            return new_signed

        body, gzipped = filled(kept, visitor_fills(None, csrf, _full_path(environ), now),
                               accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")))
        return body, gzipped, made[0] if made else None


def _kept(page: tuple | None, language: str, shown: dict, learner):
    """The kept copy of a page from its view's parts, if it is kept and this lane can fill its holes."""
    if page is None:
        return None             # no such page: Flask's 404
    template, facts, _context, _stand_ins = page
    key = page_key(template, facts, language, shown, learner)
    return cache().get(key) if key is not None else None


def _full_path(environ) -> str:
    """request.full_path for the paths this lane takes (plain ASCII, one leading slash)."""
    return f"{environ['PATH_INFO']}?{environ.get('QUERY_STRING', '')}"


def _unready(*_args):
    raise Unready


@functools.lru_cache(maxsize=256)
def _cookies(header: str):
    """The request's cookies as Flask's request reads them (werkzeug's parser; the first of a name wins)."""
    return parse_cookie(header)
