"""The kiosk's own files (kiosk/static/) sent from memory: read once, gzip'd once, each version with its ETag.

Flask's static route re-reads a file on every request, and under waitress flask-compress gzips it again each
time: on a small box that makes the stylesheet cost as much as a page. This layer sits in front of Flask and
answers GET and HEAD for a known file from bytes prepared at start-up. Anything it is not sure of — a Range,
another method, an unknown or odd name, debug mode — goes on to Flask untouched, so 206, 404, 405 and 416
stay the kiosk's own answers and error pages.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from werkzeug.utils import get_content_type

from .page_headers import security

IMMUTABLE = "public, max-age=31536000, immutable"
# What Flask sends for a static file when no max age is set: the browser asks again, its ETag gets a 304.
REVALIDATE = "no-cache"
# Conditions this layer does not evaluate: Flask does (206, 412, 416).
PASSED_ON = ("HTTP_RANGE", "HTTP_IF_RANGE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE")


@dataclass(frozen=True)
class Version:
    """One way a file is sent (plain or gzip'd): its bytes and the headers that go with them."""

    body: bytes
    etag: str
    headers: list[tuple[str, str]]
    not_modified: list[tuple[str, str]]


@dataclass(frozen=True)
class StaticFile:
    """A file as read at start-up: `digest` is the `v` that static_url() puts in its URL."""

    digest: str
    plain: Version
    gzipped: Version | None


def read_static(path: Path) -> StaticFile:
    """Read a file once and gzip it once; the gzip'd copy is kept only when it is smaller."""
    data = path.read_bytes()
    full = hashlib.sha256(data).hexdigest()
    mimetype = get_content_type(mimetypes.guess_type(path.name)[0] or "application/octet-stream", "utf-8")
    packed = gzip.compress(data, 9, mtime=0)     # once per start: the smallest gzip costs nothing later
    plain = _version(data, f'"{full[:16]}"', mimetype, [("Accept-Ranges", "bytes")])
    gzipped = (_version(packed, f'"{full[:16]}-gz"', mimetype, [("Content-Encoding", "gzip")])
               if len(packed) < len(data) else None)
    return StaticFile(full[:10], plain, gzipped)


def _version(body: bytes, etag: str, mimetype: str, extra: list[tuple[str, str]]) -> Version:
    shared = [("ETag", etag), ("Vary", "Accept-Encoding")]
    return Version(body, etag, [("Content-Type", mimetype), ("Content-Length", str(len(body))), *extra, *shared],
                   shared)


class StaticFiles:
    """WSGI middleware: the files of `folder` under `prefix`, from memory; everything else to `app`."""

    def __init__(self, app, folder: str | Path, csp: str, prefix: str = "/static/", debug: bool = False):
        self.app, self.prefix = app, prefix
        self.common = list(security(csp))
        # In debug mode files change under the developer's hands: Flask reads them fresh each time.
        self.files = {} if debug else {p.name: read_static(p) for p in sorted(Path(folder).iterdir())
                                       if p.is_file() and not p.name.startswith(".")}

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        found = self.files.get(path[len(self.prefix):]) if path.startswith(self.prefix) else None
        if found is None or method not in ("GET", "HEAD") or any(h in environ for h in PASSED_ON):
            return self.app(environ, start_response)
        version = found.plain
        if found.gzipped is not None and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")):
            version = found.gzipped
        versions = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).get("v")
        cache = [("Cache-Control", IMMUTABLE if versions and versions[0] == found.digest else REVALIDATE)]
        if none_match(environ.get("HTTP_IF_NONE_MATCH"), version.etag):
            start_response("304 Not Modified", version.not_modified + cache + self.common)
            return []
        start_response("200 OK", version.headers + cache + self.common)
        return [] if method == "HEAD" else [version.body]


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header lets gzip through: named (or `*`) with a weight above 0."""
    weights = {}
    for item in header.split(","):
        name, _, params = item.partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[name.strip().lower()] = weight
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0))) > 0


def none_match(header: str | None, etag: str) -> bool:
    """If-None-Match's weak comparison: `*`, or any listed tag equal to `etag` with or without W/."""
    if not header:
        return False
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)
