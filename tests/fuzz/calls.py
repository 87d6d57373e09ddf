"""One fuzzed request, drawn for a route of a target (the kiosk or a hub): who sends it, its path,
query, cookies, headers, CSRF token and body; signed for the hub's sync routes when the draw says so."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from urllib.parse import quote, quote_from_bytes

from hypothesis import strategies as st

from . import inputs
from .routes import Route, fill, variable_values

WRONG_METHODS = ["PUT", "DELETE", "PATCH", "TRACE"]
GARBAGE_TOKENS = ["", "x", "IjEi.x.y", "Ii.YQ.YQ", "é", "a" * 5000, "\x00"]
# Choices drawn at every request, built once (the first item is the one hypothesis shrinks towards).
REMOTE = st.sampled_from(["127.0.0.1", "127.0.0.1", "::1", "192.168.4.20", "10.1.2.3"])
METHOD = st.sampled_from(["its own"] * 16 + ["HEAD"] * 3 + ["another"])
CSRF = st.sampled_from(["valid"] * 6 + ["none", "garbage", "other"])
GARBAGE_TOKEN = st.sampled_from(GARBAGE_TOKENS) | inputs.latin1()
WRITE_BODIES = st.sampled_from(["form"] * 7 + ["multipart", "raw form", "json", "gzip", "raw", "none"])
READ_BODIES = st.sampled_from(["none"] * 8 + ["form", "raw"])
LANG_COOKIES = st.sampled_from([None, None, "fr", "en", "ar", "de", "", "é", "x" * 300, "ar;", "fr\x00"])
JUNK_COOKIES = st.sampled_from([None, None, None, "a=b", "relais_hub=x", "=", ";;;", "a=\"unclosed", "x=" + "y" * 5000])
KEEP = st.sampled_from([True] * 9 + [False])
FILENAMES = ["", "é.zip", "../../x.zip", "a\x00.zip", "x" * 300]
RAW_QUERIES = st.sampled_from(["", "", "", "", "%ff%fe=%00", "a=%", "=&&=", "step=%C2%B2", "a[]=1&a[]=2",
                               "q=" + "%61" * 600, "%zz=1"])
RAW_TAILS = st.sampled_from([b"", b"", b"%", b"%g0=1", b"&&", b"a=%ff"])


@dataclass
class Call:
    route: Route
    method: str
    path: str
    query: str
    identity: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | dict | None = None
    content_type: str | None = None
    remote_addr: str = "127.0.0.1"
    signing: str = "none"

    def describe(self) -> str:
        def short(value, limit=300):
            text = repr(value)
            return text if len(text) <= limit else text[:limit] + f"… ({len(text)} chars)"
        return (f"{self.method} {short(self.path, 200)}?{short(self.query, 200)} as {self.identity} from "
                f"{self.remote_addr}, signing={self.signing}\n  headers={short(self.headers, 600)}\n"
                f"  content_type={self.content_type!r} body={short(self.body, 600)}")


def _one_or_many(values: st.SearchStrategy[str]) -> st.SearchStrategy:
    """A form value, or the same name sent several times (a list where one value belongs)."""
    return st.one_of(values, values, values, st.lists(values, min_size=2, max_size=4))


def draw_fields(data, target, route: Route) -> dict:
    """The route's real form fields, each kept or dropped, its value real or hostile, and a few strangers."""
    fields = {}
    offered = {name: set() for name in target.catalogue.reads.get(route.endpoint, ())}
    offered.update(target.catalogue.fields.get(route.endpoint, {}))
    for name, real in sorted(offered.items()):
        if name == "csrf_token" or not data.draw(KEEP, label=f"keep {name}"):
            continue
        values = target.strategy(("field", route.endpoint, name), lambda: _field_values(target, name, real))
        fields[name] = data.draw(values, label=name)
    for name in data.draw(st.lists(st.sampled_from(target.field_names), max_size=3, unique=True), label="extra"):
        fields.setdefault(name, data.draw(target.strategy(("extra", name), lambda: _one_or_many(target.value(name))),
                                          label=name))
    return fields


def _field_values(target, name: str, offered: set[str]) -> st.SearchStrategy:
    """What the form offers (a radio's values, a hidden id) and the target's real values, or hostile text."""
    real = sorted((offered - {""}) | set(target.values.get(name, ())))
    if not real:
        return _one_or_many(target.value(name))
    return _one_or_many(inputs.weighted((3, st.sampled_from(real)), (1, target.value(name))))


def draw_query(data, target, route: Route) -> str:
    """A query string: names the view reads and others, real or hostile values, sometimes bytes that are not UTF-8."""
    own = target.catalogue.reads.get(route.endpoint) or target.query_names
    names = data.draw(target.strategy(("query names", route.endpoint), lambda: st.lists(inputs.weighted(
        (3, st.sampled_from(own)), (1, st.sampled_from(target.query_names))), max_size=4)), label="query names")
    parts = []
    for name in names:
        value = data.draw(target.strategy(("query", name), lambda: st.one_of(
            st.sampled_from(sorted(target.catalogue.query.get(name, ())) or [""]), target.value(name))), label=f"?{name}")
        parts.append(f"{quote(name)}={quote(value, safe='')}")
    raw = data.draw(RAW_QUERIES, label="raw query")
    return "&".join(p for p in parts + [raw] if p)


def draw_headers(data, target) -> dict[str, str]:
    choices = target.strategy("headers", lambda: _header_choices(target))
    names = data.draw(target.strategy("header names", lambda: st.lists(st.sampled_from(sorted(choices)), max_size=5,
                                                                       unique=True)), label="headers")
    return {name: data.draw(choices[name], label=name) for name in names}


def _header_choices(target) -> dict:
    return {
        "Accept-Language": inputs.ACCEPT_LANGUAGES, "Accept": inputs.ACCEPTS,
        "Authorization": inputs.basic_auth(tuple(target.account_names)), "Range": inputs.RANGES,
        "If-None-Match": inputs.ETAGS, "If-Modified-Since": inputs.DATES, "If-Range": inputs.ETAGS | inputs.DATES,
        "Accept-Encoding": inputs.ENCODINGS, "Content-Encoding": inputs.ENCODINGS,
        "X-Relais-Kiosk": inputs.wire_text(), "X-Relais-Timestamp": inputs.wire_text(),
        "X-Relais-Nonce": inputs.wire_text(), "X-Relais-Signature": inputs.wire_text(),
        "Content-Digest": inputs.wire_text(), "X-Forwarded-For": inputs.wire_text(),
        "Referer": inputs.wire_text(), "Origin": inputs.wire_text(),
    }


def draw_cookies(data, target, identity: str) -> str:
    """The session cookie of `identity`, a `lang` cookie, and sometimes junk."""
    cookies = []
    session = target.session_cookie(identity)
    if session is not None:
        cookies.append(f"{target.cookie_name}={session}")
    lang = data.draw(LANG_COOKIES, label="lang cookie")
    if lang is not None:
        cookies.append(f"lang={quote(lang)}")
    junk = data.draw(JUNK_COOKIES, label="junk cookie")
    if junk is not None:
        cookies.append(junk)
    return "; ".join(cookies)


def draw_body(data, target, route: Route, method: str, token: str | None):
    """(body, content type, extra headers): a form, a multipart upload, JSON, gzip, raw bytes or nothing."""
    writes = method not in ("GET", "HEAD")
    kind = data.draw(WRITE_BODIES if writes else READ_BODIES, label="body kind")
    fields = draw_fields(data, target, route) if kind in ("form", "multipart", "raw form") else {}
    if token is not None and kind in ("form", "multipart", "raw form"):
        fields["csrf_token"] = token
    if kind == "form":
        return fields, None, {}
    if kind == "multipart":
        for name in sorted(target.catalogue.files.get(route.endpoint, ())) + ["pack"]:
            label, content = data.draw(st.sampled_from(target.files), label=f"file {name}")
            filename = data.draw(st.sampled_from([label, label] + FILENAMES), label="filename")
            fields[name] = (io.BytesIO(content), filename)
        return fields, data.draw(st.sampled_from([None, None, "multipart/form-data"]), label="multipart type"), {}
    extra = {"X-CSRFToken": token} if token is not None else {}
    if kind == "raw form":
        return _urlencoded(data, fields), "application/x-www-form-urlencoded", extra
    if kind == "json":
        return data.draw(inputs.JSON_BODIES, label="json"), data.draw(inputs.CONTENT_TYPES, label="type"), extra
    if kind == "gzip":
        extra["Content-Encoding"] = "gzip"
        return data.draw(inputs.gzipped(inputs.JSON_BODIES), label="gzip"), "application/json", extra
    if kind == "raw":
        return data.draw(st.binary(max_size=300), label="raw"), data.draw(inputs.CONTENT_TYPES, label="type"), extra
    return None, None, extra


def _urlencoded(data, fields: dict) -> bytes:
    """A form body written by hand: values may be bytes that are not UTF-8, percent signs cut short."""
    parts = []
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            raw = data.draw(st.sampled_from([one.encode("utf-8", "surrogatepass"), b"\xff\xfe" + one.encode(),
                                             one.encode("utf-16")]), label="encoding") if isinstance(one, str) else b""
            parts.append(quote(name).encode() + b"=" + quote_from_bytes(raw).encode())
    parts.append(data.draw(RAW_TAILS, label="tail"))
    return b"&".join(p for p in parts if p)


def _identities(target, route: Route) -> st.SearchStrategy[str]:
    """Anyone, but more often who the crawl saw served this page or shown its form (deeper than a redirect)."""
    seen = sorted(target.catalogue.seen_by.get(route.endpoint, ()))
    everyone = st.sampled_from(target.identities)
    return inputs.weighted((1, everyone), (2, st.sampled_from(seen))) if seen else everyone


def draw_call(data, target, route: Route) -> Call:
    """Everything about one request; the target signs it (hub) and sends it."""
    identity = data.draw(target.strategy(("identity", route.endpoint), lambda: _identities(target, route)),
                         label="identity")
    method = route.method
    other = data.draw(METHOD, label="method")
    if other == "another":
        method = data.draw(st.sampled_from(WRONG_METHODS + (["POST"] if method == "GET" else ["GET"])), label="which")
    elif other == "HEAD" and method == "GET":
        method = "HEAD"
    variables = target.strategy(("variables", route.id), lambda: variable_values(target, route))
    values = {name: data.draw(s, label=f"<{name}>") for name, s in variables.items()}
    csrf = data.draw(CSRF, label="csrf")
    token = {"valid": lambda: target.csrf_token(identity), "none": lambda: None,
             "garbage": lambda: data.draw(GARBAGE_TOKEN, label="token"),
             "other": lambda: target.csrf_token(target.identities[0])}[csrf]()
    body, content_type, extra = draw_body(data, target, route, method, token)
    headers = draw_headers(data, target)
    headers.update(extra)
    cookie = draw_cookies(data, target, identity)
    if cookie:
        headers["Cookie"] = cookie
    return Call(route=route, method=method, path=fill(route, values), query=draw_query(data, target, route),
                identity=identity, headers=headers, body=body, content_type=content_type,
                remote_addr=data.draw(REMOTE, label="remote"))
