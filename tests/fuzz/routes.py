"""Every route of an app, read from its url_map, each URL variable with a strategy, and the KNOWN failures.

A route added later is fuzzed without touching this suite, as long as its URL variables have names
listed in VARIABLES; a new name fails test_every_url_variable_has_a_strategy until it gets one.
"""
from __future__ import annotations

import functools
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from hypothesis import strategies as st

from kiosk import db as kiosk_db
from kiosk.app import create_app
from sync.hub import db as hub_db
from sync.hub.app import create_hub_app

from . import inputs

ROOT = Path(__file__).resolve().parents[2]
IGNORED_METHODS = {"HEAD", "OPTIONS"}        # HEAD is sent to GET routes; OPTIONS is werkzeug's own


@dataclass(frozen=True)
class Route:
    endpoint: str
    rule: str
    method: str
    variables: tuple[tuple[str, str], ...]     # (name, converter class name)

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule}"


def routes(app) -> list[Route]:
    """One Route per rule and method of `app`, in a stable order."""
    found = []
    for rule in app.url_map.iter_rules():
        variables = tuple((name, type(converter).__name__) for name, converter in rule._converters.items())
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            found.append(Route(rule.endpoint, rule.rule, method, variables))
    return sorted(found, key=lambda r: (r.rule, r.method))


# URL variable name → the kind of real value the target offers for it (target.real), mixed with hostile ones.
VARIABLES = {
    "course_id": "course", "slug": "slug", "attempt_id": "attempt", "code": "certificate", "uuid": "learner",
    "group_id": "group", "name": "blob",        # the hub's blob names and the kiosk's media-cache files
    "path": "media", "filename": "static",
}
INTEGER_SHAPES = st.one_of(inputs.INTEGERS.map(str), st.sampled_from(inputs.DIGITS + inputs.HUGE))
WRONG_NAMES = st.sampled_from(["..", ".", "%2e%2e", "a/b", "x.gz", "A" * 64, "a" * 64 + ".gz", "\x00", "é",
                               "%ff", "con", "index.html", "-1"])


def variable_values(target, route: Route) -> dict[str, st.SearchStrategy[str]]:
    """A strategy per URL variable of `route`; KeyError names a variable without one."""
    chosen = {}
    for name, converter in route.variables:
        if name not in VARIABLES:
            raise KeyError(f"{route.id}: the URL variable <{name}> has no strategy in tests/fuzz/routes.py VARIABLES")
        shapes = INTEGER_SHAPES if converter == "IntegerConverter" else inputs.text(30) | WRONG_NAMES
        chosen[name] = inputs.weighted((2, real_value(target, VARIABLES[name])), (1, shapes))
    return chosen


def real_value(target, kind: str) -> st.SearchStrategy[str]:
    """One of the app's real values of `kind` as they are when drawn (learners come and go as the fuzzer
    erases and merges them): drawn as a position, so the draw has the same shape whatever the state."""
    def pick(position: int) -> str:
        real = target.real(kind)
        return real[position % len(real)] if real else ""
    return st.integers(0, 31).map(pick)


_VARIABLE = re.compile(r"<(?:[^>:]+:)?([^>]+)>")


def fill(route: Route, values: dict[str, str]) -> str:
    """The rule with each variable replaced by its value, percent-encoded as a browser would send it."""
    kinds = dict(route.variables)
    return _VARIABLE.sub(lambda m: quote(values[m.group(1)], safe="/" if kinds[m.group(1)] == "PathConverter" else ""),
                         route.rule)


# Form, query and cookie names the apps read, found in their sources and templates (so new forms are
# fuzzed with their own field names), and the quiz's q0, q1, … (an f-string in the source).
_READ = re.compile(r"""(?:args|form|values|files|cookies)\.(?:get|getlist)\(\s*["']([^"']+)["']""")
_FIELD = re.compile(r"""name="([a-z_][a-z0-9_]*)\"""")


@functools.cache
def field_names(*folders: str) -> list[str]:
    names = {f"q{i}" for i in range(4)}
    for folder in folders:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix == ".py":
                names.update(_READ.findall(path.read_text(encoding="utf-8")))
            elif path.suffix == ".html":
                names.update(_FIELD.findall(path.read_text(encoding="utf-8")))
    return sorted(names - {"viewport", "csrf_token"})


@dataclass(frozen=True)
class Known:
    """A 5xx that another change will fix: on `route` (an id or "*"), `error` raised in `where`, saying `says`."""

    app: str
    route: str
    where: str
    error: str
    says: str
    finding: str            # what the bug is, in a line

    def matches(self, app: str, route: Route, where: str, error: BaseException) -> bool:
        return (self.app == app and self.route in ("*", route.id) and self.where == where
                and self.error == type(error).__name__ and self.says in str(error))


# Bugs found by this suite in files another change is rewriting, until that change lands, for example
#   Known("hub", "*", "sync/hub/auth.py", "ValueError", "int", "F4 a timestamp in other digits"),
# Each one is still sent and counted; a 5xx that matches an entry is tolerated, any other fails. An
# entry no longer seen is listed at the end of the run: delete it then.
KNOWN: list[Known] = []       # the 19 bugs of the first runs are fixed: none is tolerated


@functools.cache
def of_app(kind: str) -> tuple[Route, ...]:
    """The routes of a throwaway kiosk or hub (their url_maps do not depend on data or content)."""
    with tempfile.TemporaryDirectory(prefix="relais-routes-") as folder:
        if kind == "kiosk":
            (Path(folder) / "content").mkdir()
            app = create_app({"TESTING": True, "DATA_DIR": f"{folder}/data", "CONTENT_DIR": f"{folder}/content",
                              "SECRET_KEY": "routes", "SYNC_BACKGROUND": "no"})
            proxy = kiosk_db.database
        else:
            app = create_hub_app({"TESTING": True, "HUB_DATA_DIR": folder, "SECRET_KEY": "routes"})
            proxy = hub_db.database
        found = tuple(routes(app))
        proxy.obj.close_all()
    return found
