"""Lesson media from the content folder and resized pictures, with ETag, Last-Modified and Range.

Every file is served as untrusted (sync.base.untrusted_files): a course's SVG, or any file, opened on its
own runs no script on the kiosk's origin.
"""
from __future__ import annotations

import functools
import gzip
import os

from flask import Blueprint, abort, current_app, request, send_from_directory
from werkzeug.utils import safe_join

from sync.base.untrusted_files import served_untrusted

from ..media import IMAGE, served_type
from ..static_files import accepts_gzip

bp = Blueprint("media", __name__)
# Text media gzip'd once per version of the file rather than on every request; larger files are left to
# flask-compress, so the cache holds at most 64 files of at most 512 KB each.
GZIP_KEPT = frozenset({"image/svg+xml", "text/vtt"})
GZIP_MIN_BYTES, GZIP_MAX_BYTES = 300, 512 * 1024


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.get("/media/<path:path>")
def content_file(path: str):
    """Only media files inside the content root; lesson sources and anything outside stay private."""
    root, mimetype = current_app.config["CONTENT_PATH"], served_type(path)
    if safe_join(str(root), path) is None or "\\" in path or mimetype is None:
        abort(404)
    response = send_from_directory(root, path, mimetype=mimetype, conditional=True, max_age=86400)
    if mimetype in GZIP_KEPT:
        response = _gzip_once(response, safe_join(str(root), path))
    return served_untrusted(response, mimetype)


def _gzip_once(response, path: str):
    """Send a text file's gzip'd bytes from the cache; its ETag is marked `:gzip`, as flask-compress marks it."""
    if response.status_code != 200 or not accepts_gzip(request.headers.get("Accept-Encoding", "")):
        return response
    etag, weak = response.get_etag()
    try:
        stat = os.stat(path)
        if not GZIP_MIN_BYTES <= stat.st_size <= GZIP_MAX_BYTES or not etag or weak:
            return response
        packed = _gzipped(path, stat.st_size, stat.st_mtime_ns)
    except OSError:                      # gone since Flask opened it: flask-compress sends what Flask read
        return response
    response.close()                     # the file Flask opened: its bytes are not needed
    response.direct_passthrough = False
    response.set_data(packed)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(f"{etag}:gzip")
    return response.make_conditional(request)


@functools.lru_cache(maxsize=64)
def _gzipped(path: str, size: int, mtime_ns: int) -> bytes:
    """Keyed by size and time too: content is re-indexed, and a changed file is gzip'd again."""
    with open(path, "rb") as handle:
        return gzip.compress(handle.read(), 6, mtime=0)


@bp.get("/media-cache/<name>")
def cached_file(name: str):
    """The smaller copies of large pictures made at index time (PNG or JPEG, nothing else)."""
    mimetype = served_type(name)
    if mimetype not in IMAGE.values():
        abort(404)
    response = send_from_directory(current_app.config["DATA_PATH"] / "media-cache", name, mimetype=mimetype,
                                   conditional=True, max_age=365 * 86400)
    return served_untrusted(response, mimetype)
