"""The ceiling for Python: a bare Flask app on waitress, under the same conditions as the kiosk.

`python -m bench.baseline_app PORT [PAGE [STATIC]]`
- `/`: PAGE's bytes (the kiosk's lesson page as it sent it, saved by the bench; without PAGE a 15 KB page
  of plain text), held in memory and gzip'd once at start with the kiosk's settings (kiosk/app.py: gzip,
  level 6, from 300 bytes), sent gzip'd to a client that accepts it and plain otherwise, with
  `Vary: Accept-Encoding` and its Content-Length — as the kiosk sends its kept pages, whose fixed parts
  are gzip'd once (kiosk/views/page_cache.py);
- `/static`: STATIC, a file already gzip'd once by the bench, held in memory and sent as it is with its
  ETag (a matching If-None-Match gets 304) — what nginx's gzip_static sends for the same file.
Sixteen waitress threads, like `run.py serve`.

`python -m bench.baseline_app PORT PAGE STATIC --bare-wsgi`: waitress alone, no framework: a WSGI callable
answering every request with STATIC's bytes and the headers bare Flask sends for them (304 for its ETag).
What no Python application under waitress can beat: the floor of waitress's own work per request.
"""
import gzip
import hashlib
import sys
from pathlib import Path

from flask import Flask, request
from flask_compress import Compress
from waitress import serve

PAGE = ("<!doctype html><html lang=en><title>baseline</title><main>"
        + "<p>Relais baseline paragraph of plain text for the benchmark.</p>" * 240 + "</main></html>")[:15360].encode()


def create(page: bytes = PAGE, static_gz: bytes = b"", static_type: str = "text/css") -> Flask:
    app = Flask(__name__)
    app.config.update(COMPRESS_ALGORITHM=["gzip"], COMPRESS_MIN_SIZE=300, COMPRESS_LEVEL=6,
                      COMPRESS_MIMETYPES=["text/html", "text/css", "application/javascript"])
    Compress(app)
    etag = '"' + hashlib.sha256(static_gz).hexdigest()[:16] + '"'
    page_gz = gzip.compress(page, 6)

    @app.get("/")
    def page_route():
        if request.accept_encodings["gzip"] > 0 and len(page) >= 300:
            # Already gzip'd: flask-compress leaves a response with a Content-Encoding alone.
            return page_gz, 200, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip",
                                  "Vary": "Accept-Encoding"}
        return page, 200, {"Content-Type": "text/html; charset=utf-8"}

    @app.get("/static")
    def static_route():
        if request.headers.get("If-None-Match") == etag:
            return "", 304, {"ETag": etag}
        # Already gzip'd: flask-compress leaves a response with a Content-Encoding alone.
        return static_gz, 200, {"Content-Type": static_type, "Content-Encoding": "gzip", "ETag": etag,
                                "Vary": "Accept-Encoding", "Cache-Control": "public, max-age=31536000, immutable"}

    return app


def bare_wsgi(static_gz: bytes, static_type: str = "text/css"):
    """A WSGI callable sending `static_gz` as create()'s /static does, with no framework at all."""
    etag = '"' + hashlib.sha256(static_gz).hexdigest()[:16] + '"'
    headers = [("Content-Type", static_type), ("Content-Encoding", "gzip"), ("ETag", etag),
               ("Vary", "Accept-Encoding"), ("Cache-Control", "public, max-age=31536000, immutable"),
               ("Content-Length", str(len(static_gz)))]

    def application(environ, start_response):
        if environ.get("HTTP_IF_NONE_MATCH") == etag:
            start_response("304 Not Modified", [("ETag", etag)])
            return []
        start_response("200 OK", headers)
        return [static_gz]

    return application


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--bare-wsgi"]
    static = Path(args[2]).read_bytes() if len(args) > 2 else b""
    app = bare_wsgi(static) if "--bare-wsgi" in sys.argv else create(
        Path(args[1]).read_bytes() if len(args) > 1 else PAGE, static)
    serve(app, host="127.0.0.1", port=int(args[0]), threads=16, _quiet=True)
