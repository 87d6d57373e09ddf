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


if __name__ == "__main__":
    args = sys.argv[1:]
    app = create(Path(args[1]).read_bytes() if len(args) > 1 else PAGE,
                 Path(args[2]).read_bytes() if len(args) > 2 else b"")
    serve(app, host="127.0.0.1", port=int(args[0]), threads=16, _quiet=True)
