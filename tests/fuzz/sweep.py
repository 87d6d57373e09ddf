"""The dictionary sweep: every field a route reads takes each famous value in turn, the others real.

Random fuzzing seldom puts one given value in one given field within forty examples; these requests
do it every time, so "²" reaches every number a view parses, NUL every text it stores and a list
every place one value belongs. The hub's signed routes get each signed header tampered the same way,
and each field of each event type's real payload gets each hostile JSON value.
"""
from __future__ import annotations

import io
from urllib.parse import urlencode

from . import inputs
from .calls import Call
from .routes import VARIABLES, Route, fill

VALUES = inputs.FAMOUS + ["a\x00b", "-1", "0", "1.5", "x" * 5000, ["1", "2"]]
JSON_VALUES = [*inputs.FAMOUS, 2**64, -(2**63) - 1, 2**53, -1, 0, 1.5, 1e300, True, None, [], {}, ["x"],
               {"a": {"b": [1]}}, "a\x00b"]


def run(target, calls: list[Call]) -> None:
    """Send every call; fail once at the end with every problem found (KNOWN ones are counted, not failed)."""
    problems = []
    for call in calls:
        target.activate()
        target.ensure(call.identity)
        try:
            target.send(call)
        except AssertionError as problem:
            problems.append(str(problem))
    assert not problems, f"{len(problems)} of {len(calls)} sweep requests failed:\n\n" + "\n\n".join(problems[:5])


def who_for(target, route: Route) -> str:
    """The identity the crawl saw this page or form served to (a facilitator before a learner), else anyone."""
    seen = target.catalogue.seen_by.get(route.endpoint, set())
    return next((i for i in ("facilitator", "learner", "anonymous") if i in seen), target.identities[0])


def path_of(target, route: Route) -> str:
    return fill(route, {name: (target.real(VARIABLES[name]) or [""])[0] for name, _ in route.variables})


def real_fields(target, route: Route) -> dict:
    """The route's fields with a real value each: what its form offers, else the target's known values."""
    names = set(target.catalogue.reads.get(route.endpoint, ())) | set(target.catalogue.fields.get(route.endpoint, {}))
    fields = {}
    for name in sorted(names - {"csrf_token"}):
        offered = sorted(set(target.catalogue.fields.get(route.endpoint, {}).get(name, ())) - {""})
        fields[name] = (offered or list(target.values.get(name, ())) or [""])[0]
    return fields


def field_calls(target, route: Route) -> list[Call]:
    """One request per (field, famous value), the route's own method, as whoever may use the page."""
    identity, fields = who_for(target, route), real_fields(target, route)
    cookie = target.session_cookie(identity)
    headers = {"Cookie": f"{target.cookie_name}={cookie}"} if cookie else {}
    calls = []
    for name in fields:
        if name in target.catalogue.files.get(route.endpoint, ()):
            continue                                    # uploads are fuzzed with real and broken files instead
        for value in VALUES:
            form = dict(fields, **{name: value})
            if route.method in ("GET", "HEAD"):
                calls.append(Call(route, route.method, path_of(target, route), urlencode(form, doseq=True),
                                  identity, dict(headers)))
                continue
            body = dict(form, csrf_token=target.csrf_token(identity))
            for upload in target.catalogue.files.get(route.endpoint, ()):
                label, content = target.files[-1]       # not a pack: refused at once, nothing re-indexed
                body[upload] = (io.BytesIO(content), label)
            calls.append(Call(route, route.method, path_of(target, route), "", identity, dict(headers), body))
    return calls
