"""An app under fuzz: sends each Call through Flask's test client, counts it, and fails on a 5xx, on an
exception that reached Flask (got_request_exception) or a traceback logged, and on a 4xx without a
clear message. Exceptions in KNOWN are counted instead (see routes.py)."""
from __future__ import annotations

import functools
import gzip
import logging
import re
import time
import traceback
import zlib
from collections import Counter
from pathlib import Path

from flask import got_request_exception
from hypothesis import strategies as st
from werkzeug.http import parse_cookie

from . import inputs
from .calls import Call, draw_call
from .forms import Catalogue
from .routes import KNOWN, ROOT, VARIABLES, Route, field_names, fill, routes

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FRESH_FOR = 20.0          # seconds a verified sign-in is trusted before it is checked again


class Tally:
    """Requests, 5xx and known failures per app and database, printed at the end of the run."""

    def __init__(self):
        self.requests, self.server_errors, self.known = Counter(), Counter(), Counter()
        self.statuses: dict[tuple, Counter] = {}            # (app, database, route id) → status codes

    def route_lines(self) -> list[str]:
        """How each route answered, to see how deep the fuzzing reached (printed with -v)."""
        return [f"fuzz: {app}/{db} {route}: " + " ".join(f"{code}×{n}" for code, n in sorted(counts.items()))
                for (app, db, route), counts in sorted(self.statuses.items())]

    def lines(self) -> list[str]:
        out = []
        for key in sorted(self.requests):
            known = sorted({entry.finding for (k, entry) in self.known if k == key})
            out.append(f"fuzz: {key[0]}/{key[1]} {self.requests[key]} requests, {self.server_errors[key]} 5xx"
                       + (f", all known ({'; '.join(known)}: tests/fuzz/routes.py KNOWN)" if known else ""))
        seen = {entry for (_, entry) in self.known}
        out += [f"fuzz: KNOWN entry not seen this run (fixed?): {entry.finding}" for entry in KNOWN
                if entry not in seen and any(k[0] == entry.app for k in self.requests)]
        return out


TALLY = Tally()


class _Records(logging.Handler):
    """Every record logged with a traceback or at ERROR and above, wherever it comes from."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        if record.exc_info or record.levelno >= logging.ERROR:
            self.records.append(record)


def where_raised(error: BaseException) -> str:
    """The project file (kiosk/… or sync/…) closest to where `error` was raised."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if Path(f.filename).is_relative_to(ROOT / "kiosk") or Path(f.filename).is_relative_to(ROOT / "sync")]
    return Path(frames[-1].filename).relative_to(ROOT).as_posix() if frames else "elsewhere"


def _short_traceback(error: BaseException) -> str:
    """The project's frames of a traceback (where Relais code was), the last frame and the error itself."""
    frames = traceback.extract_tb(error.__traceback__)
    mine = [f for f in frames[:-1] if "/site-packages/" not in f.filename] + frames[-1:]
    return "".join(traceback.format_list(mine)) + "".join(traceback.format_exception_only(error))


def body_text(response) -> str:
    """The answer as text, gunzipped when the app compressed it (the kiosk does, on 4xx pages too)."""
    raw = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error):
            pass
    return raw.decode(response.mimetype_params.get("charset", "utf-8"), "replace")


class Target:
    """What kiosk and hub share: the client, the checks and the counting; subclasses sign in and seed."""

    name = database = cookie_name = ""
    identities: list[str] = []
    signed_in: dict[str, str] = {}           # identity → a page only that identity may see
    crawl_as: tuple[str, ...] = ()           # who reads every page before the fuzzing starts
    sources: tuple[str, ...] = ()            # folders whose code and templates name the fields it reads

    def __init__(self, app):
        self.app = app
        self.client = app.test_client(use_cookies=False)
        self.catalogue = Catalogue(app)
        self.exceptions: list[BaseException] = []
        got_request_exception.connect(self._exception, app, weak=False)
        self.logs = _Records()
        self.sessions: dict[str, tuple[str | None, str | None]] = {}     # identity → (cookie value, CSRF token)
        self.verified: dict[str, float] = {}
        self.values: dict[str, list[str]] = {}
        self._strategies: dict = {}
        self.account_names: list[str] = []
        self.files: list[tuple[str, bytes]] = [("empty", b"")]

    def _exception(self, sender, exception, **extra):
        self.exceptions.append(exception)

    # -- what the fuzzer draws from -------------------------------------------------------------
    @property
    def field_names(self) -> list[str]:
        return field_names(*self.sources)

    @functools.cached_property
    def query_names(self) -> list[str]:
        """Names the app reads, and those its links carry (read once the crawl is done)."""
        return sorted(set(self.field_names) | set(self.catalogue.query))

    def value(self, name: str) -> st.SearchStrategy[str]:
        """Values for a form or query field called `name`: the app's real ones, and hostile text."""
        real = self.values.get(name)
        return self.strategy(("value", name), lambda: st.one_of(st.sampled_from(real), inputs.text()) if real
                             else inputs.text())

    def strategy(self, key, make) -> st.SearchStrategy:
        """A strategy built once per target (building one costs more than drawing from it)."""
        if key not in self._strategies:
            self._strategies[key] = make()
        return self._strategies[key]

    def real(self, kind: str) -> list[str]:
        raise NotImplementedError

    def session_cookie(self, identity: str) -> str | None:
        return self.sessions.get(identity, (None, None))[0]

    def csrf_token(self, identity: str) -> str | None:
        return self.sessions.get(identity, (None, None))[1]

    # -- signing in, through the app's own pages ----------------------------------------------------
    def browser(self):
        return self.app.test_client()

    def browser_for(self, identity: str):
        browser = self.browser()
        if self.session_cookie(identity):
            browser.set_cookie(self.cookie_name, self.session_cookie(identity))
        return browser

    def crawl(self) -> None:
        """Read every page the app serves with GET, as each kind of visitor, for its forms and links."""
        for route in routes(self.app):
            if route.method != "GET":
                continue
            path = fill(route, {name: (self.real(VARIABLES[name]) or [""])[0] for name, _ in route.variables})
            for identity in self.crawl_as:
                answer = self.browser_for(identity).get(path)
                if answer.status_code == 200:
                    self.catalogue.seen_by[route.endpoint].add(identity)
                    if answer.mimetype == "text/html":
                        self.catalogue.read(path, body_text(answer), identity)
        self.verified.clear()

    def keep(self, identity: str, browser, page: str) -> None:
        """Remember `browser`'s session cookie and a CSRF token read from `page`."""
        html = browser.get(page).get_data(as_text=True)
        cookie = browser.get_cookie(self.cookie_name)
        found = CSRF.search(html)
        self.sessions[identity] = (cookie.value if cookie else None, found.group(1) if found else None)
        self.verified[identity] = time.monotonic()

    def ensure(self, identity: str) -> None:
        """Make sure `identity` is still signed in (a fuzzed logout, erase or merge may have ended it)."""
        if identity not in self.signed_in or time.monotonic() - self.verified.get(identity, 0) < FRESH_FOR:
            return
        cookie = self.session_cookie(identity)
        answer = self.client.get(self.signed_in[identity], headers={"Cookie": f"{self.cookie_name}={cookie}"})
        if answer.status_code != 200:
            self.sign_in(identity)
        self.verified[identity] = time.monotonic()

    def sign_in(self, identity: str) -> None:
        raise NotImplementedError

    def activate(self) -> None:
        """Point the shared database proxies at this target's database (another target may have moved them)."""

    def before(self, call: Call) -> None:
        pass

    def after(self, call: Call) -> None:
        if call.method not in ("GET", "HEAD"):
            self.verified.clear()          # any write may have ended a session: check before the next use

    # -- one example ------------------------------------------------------------------------------
    def draw(self, data, route: Route) -> Call:
        self.activate()
        return draw_call(data, self, route)

    def exercise(self, data, route: Route) -> None:
        call = self.draw(data, route)
        self.ensure(call.identity)
        self.send(call)

    def send(self, call: Call):
        self.before(call)
        self.exceptions.clear()
        self.logs.records.clear()
        root = logging.getLogger()
        root.addHandler(self.logs)
        try:
            response = self.client.open(call.path, method=call.method, query_string=call.query,
                                        headers=call.headers, data=call.body, content_type=call.content_type,
                                        environ_base={"REMOTE_ADDR": call.remote_addr})
            response.get_data()
            response.close()
        finally:
            root.removeHandler(self.logs)
            self.after(call)
        self.check(call, response)
        return response

    def check(self, call: Call, response) -> None:
        key = (self.name, self.database)
        TALLY.requests[key] += 1
        status = response.status_code
        TALLY.statuses.setdefault((*key, call.route.id), Counter())[status] += 1
        if status >= 500:
            TALLY.server_errors[key] += 1
        problems = ([f"answered {status}"] if status >= 500 else []) + [
            f"logged {r.levelname} {r.getMessage()[:200]}" for r in self.logs.records]
        errors = list(self.exceptions) + [r.exc_info[1] for r in self.logs.records if r.exc_info]
        if problems or errors:
            known = [self._known(call.route, e) for e in errors]
            if errors and all(known):
                for entry in set(known):
                    TALLY.known[(key, entry)] += 1
                return
            raise AssertionError(self._report(call, response, problems, errors))
        if 400 <= status < 500 and call.method != "HEAD":
            self.check_message(call, response)

    def _known(self, route: Route, error: BaseException):
        return next((k for k in KNOWN if k.matches(self.name, route, where_raised(error), error)), None)

    def _report(self, call: Call, response, problems: list[str], errors: list[BaseException]) -> str:
        tracebacks = "\n".join(_short_traceback(e) for e in errors)
        return (f"{self.name}/{self.database} {call.route.id}: {'; '.join(problems) or 'an exception'}\n"
                f"  {call.describe()}\n  answer: {body_text(response)[:300]!r}\n{tracebacks}")

    def check_message(self, call: Call, response) -> None:
        raise NotImplementedError

    def lang_cookie(self, call: Call) -> str | None:
        return parse_cookie(call.headers.get("Cookie", "")).get("lang")
