"""The kiosk's own stylesheet, script and pictures: gzip'd once, sent from memory, cached by version; a
course's drawings and subtitles gzip'd once per version of the file.

Most stories go through a real waitress server on 127.0.0.1: waitress hands Flask's file wrapper to the
layers above it, which the test client never does, so only a real server shows what a browser gets.
"""
from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import re
import urllib.request

import pytest
from flask import Flask

from kiosk.app import CSP
from kiosk.static_files import StaticFiles, accepts_gzip, none_match, read_static
from kiosk.views.media import _gzipped
from sync.base.untrusted_files import SANDBOX_CSP
from tests.conftest import ROOT, write_tree
from tests.test_real_server import running_kiosk

STATIC = ROOT / "kiosk" / "static"
STYLE = (STATIC / "style.css").read_bytes()
VERSION = hashlib.sha256(STYLE).hexdigest()[:10]
# Headers that describe one answer (its body, its date, its caching) rather than the kiosk's policy.
PER_ANSWER = {"accept-ranges", "cache-control", "connection", "content-disposition", "content-encoding",
              "content-length", "content-range", "content-type", "date", "etag", "last-modified", "server",
              "set-cookie", "vary"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`run.py serve` on the demo content, as a centre runs it: host and port, for http.client."""
    with running_kiosk(tmp_path_factory.mktemp("static") / "data") as base:
        yield base.removeprefix("http://")


def fetch(base: str, path: str, method: str = "GET", **headers: str):
    """One request sent as written (no '..' merged, no gzip undone): (status, headers, body)."""
    connection = http.client.HTTPConnection(base, timeout=10)
    try:
        connection.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_a_browser_gets_each_kiosk_file_gzipd_and_whole(server):
    for path in sorted(STATIC.iterdir()):
        status, headers, body = fetch(server, f"/static/{path.name}", Accept_Encoding="gzip, deflate, br")
        assert status == 200
        assert int(headers["Content-Length"]) == len(body)
        plain = body if headers["Content-Encoding"] is None else gzip.decompress(body)
        assert plain == path.read_bytes()
    status, headers, body = fetch(server, "/static/style.css", Accept_Encoding="gzip")
    assert headers["Content-Encoding"] == "gzip" and len(body) < len(STYLE) / 2
    assert headers["Content-Type"] == "text/css; charset=utf-8" and headers["Vary"] == "Accept-Encoding"
    assert fetch(server, "/static/style.css", Accept_Encoding="gzip")[2] == body     # the same bytes each time


def test_a_returning_browser_is_told_its_copy_is_still_good(server):
    _, headers, _ = fetch(server, f"/static/style.css?v={VERSION}", Accept_Encoding="gzip")
    status, again, body = fetch(server, f"/static/style.css?v={VERSION}", Accept_Encoding="gzip",
                                If_None_Match=headers["ETag"])
    assert status == 304 and body == b""
    assert again["ETag"] == headers["ETag"] and again["Cache-Control"] == headers["Cache-Control"]
    assert fetch(server, "/static/style.css", Accept_Encoding="gzip", If_None_Match='"old"')[0] == 200


def test_the_plain_and_gzipd_copies_are_told_apart_by_their_etag(server):
    _, zipped, _ = fetch(server, "/static/style.css", Accept_Encoding="gzip")
    _, plain, _ = fetch(server, "/static/style.css")
    assert zipped["ETag"] != plain["ETag"]
    # A cache holding the plain copy must not be told it has the gzip'd one.
    assert fetch(server, "/static/style.css", Accept_Encoding="gzip", If_None_Match=plain["ETag"])[0] == 200


def test_only_the_current_version_of_a_file_is_kept_for_a_year(server):
    page = urllib.request.urlopen(f"http://{server}/").read().decode()
    linked = re.search(r'href="(/static/style\.css\?v=[0-9a-f]+)"', page).group(1)
    assert fetch(server, linked)[1]["Cache-Control"] == "public, max-age=31536000, immutable"
    for stale in ("/static/style.css", "/static/style.css?v=0123456789", "/static/style.css?v=",
                  f"/static/style.css?x={VERSION}"):
        assert fetch(server, stale)[1]["Cache-Control"] == "no-cache", stale


def test_a_stylesheet_without_its_version_is_cached_as_flask_would_send_it(server):
    # A Range request goes on to Flask's own static route: its caching is the kiosk's as it always was.
    _, flask_headers, _ = fetch(server, "/static/style.css", Range="bytes=0-9")
    _, headers, _ = fetch(server, "/static/style.css")
    assert headers["Cache-Control"] == flask_headers["Cache-Control"]


def test_a_client_that_cannot_unzip_gets_the_plain_file(server):
    for accept in (None, "identity", "gzip;q=0", "br", "gzip;q=0, *;q=1"):
        headers = {} if accept is None else {"Accept_Encoding": accept}
        status, answer, body = fetch(server, "/static/kiosk.js", **headers)
        assert status == 200 and answer["Content-Encoding"] is None, accept
        assert body == (STATIC / "kiosk.js").read_bytes()


def test_a_head_request_gets_the_headers_and_no_body(server):
    _, get_headers, body = fetch(server, "/static/style.css", Accept_Encoding="gzip")
    status, headers, head_body = fetch(server, "/static/style.css", "HEAD", Accept_Encoding="gzip")
    assert status == 200 and head_body == b""
    assert headers["Content-Length"] == str(len(body)) and headers["ETag"] == get_headers["ETag"]


def test_a_range_request_still_gets_the_part_it_asked_for_or_416(server):
    status, headers, body = fetch(server, "/static/style.css", Range="bytes=10-19", Accept_Encoding="gzip")
    assert status == 206 and body == STYLE[10:20]
    assert headers["Content-Range"] == f"bytes 10-19/{len(STYLE)}"
    assert fetch(server, "/static/style.css", Range=f"bytes={len(STYLE) + 10}-")[0] == 416


@pytest.mark.parametrize("path", ["/static/..", "/static/../app.py", "/static/%2e%2e/x", "/static/%2e%2e%2fapp.py",
                                  "/static/nope.css", "/static/", "/static/style.css.gz", "/static/STYLE.CSS",
                                  "/static/style.css%00", "/static/..%5capp.py"])
def test_odd_or_unknown_static_paths_get_the_kiosks_own_404_page(server, path):
    status, headers, body = fetch(server, path, Cookie="lang=ar")
    assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "الصفحة غير موجودة" in body.decode()


def test_posting_to_a_kiosk_file_gets_the_kiosks_405(client):
    response = client.post("/static/style.css")
    assert response.status_code == 405 and response.mimetype == "text/html"


def test_a_kiosk_file_carries_the_same_security_headers_as_its_pages(server):
    _, page, _ = fetch(server, "/static/nope.css")                 # Flask's own answer, after _headers
    policy = {k.lower(): v for k, v in page.items() if k.lower() not in PER_ANSWER}
    assert {"content-security-policy", "x-content-type-options", "referrer-policy"} <= policy.keys()
    for headers in (fetch(server, "/static/style.css", Accept_Encoding="gzip")[1],
                    fetch(server, "/static/pictures.svg")[1]):
        assert {k.lower(): v for k, v in headers.items() if k.lower() not in PER_ANSWER} == policy
    assert page["Content-Security-Policy"] == CSP


def test_a_picture_that_gzip_cannot_shrink_is_kept_plain(tmp_path):
    noise = b"".join(hashlib.sha512(bytes([i])).digest() for i in range(16))     # gzip can only add bytes
    (tmp_path / "noise.png").write_bytes(noise)
    kept = read_static(tmp_path / "noise.png")
    assert kept.gzipped is None and kept.plain.body == noise
    client = Flask(__name__, static_folder=str(tmp_path), static_url_path="/static")
    client.wsgi_app = StaticFiles(client.wsgi_app, tmp_path, CSP)
    response = client.test_client().get("/static/noise.png", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") is None and response.data == noise
    assert response.headers["Content-Type"] == "image/png"


def test_in_debug_mode_a_developers_edit_shows_at_once(tmp_path):
    app = Flask(__name__, static_folder=str(tmp_path), static_url_path="/static")
    (tmp_path / "style.css").write_text("body { color: red }")
    app.wsgi_app = StaticFiles(app.wsgi_app, tmp_path, CSP, debug=True)
    assert app.test_client().get("/static/style.css").data == b"body { color: red }"
    (tmp_path / "style.css").write_text("body { color: blue }")
    assert app.test_client().get("/static/style.css").data == b"body { color: blue }"


@pytest.mark.parametrize("header, accepted", [
    ("gzip", True), ("gzip, deflate, br", True), ("GZIP;q=0.5", True), ("*", True), ("x-gzip", True),
    ("", False), ("identity", False), ("gzip;q=0", False), ("gzip;q=0.0, *", False), ("br, *;q=0", False),
    ("gzip;q=nope", False), ("deflate;q=1, *;q=0.1", True),
])
def test_gzip_goes_only_to_clients_that_accept_it(header, accepted):
    assert accepts_gzip(header) is accepted


@pytest.mark.parametrize("header, matched", [
    ('"abc"', True), ('W/"abc"', True), ('"x", "abc"', True), ("*", True), ('"abcd"', False),
    ("", False), (None, False), ("abc", False), ('"x",,"y"', False),
])
def test_a_cached_copy_is_recognised_by_its_etag(header, matched):
    assert none_match(header, '"abc"') is matched



DRAWING = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">' + '<circle r="4" cx="{0}" cy="{0}"/>' * 40 + "</svg>"
SUBTITLES = "WEBVTT\n\n" + "".join(f"00:00:{i:02}.000 --> 00:00:{i + 1:02}.000\nLigne {i}\n\n" for i in range(30))


@pytest.fixture
def media_client(make_app, content_dir):
    write_tree(content_dir, {"01-basics/drawing.svg": DRAWING, "01-basics/clip.vtt": SUBTITLES})
    return make_app(content_dir).test_client()


def test_a_lesson_drawing_asked_for_twice_is_gzipd_once(media_client):
    misses = _gzipped.cache_info().misses
    answers = [media_client.get("/media/01-basics/drawing.svg", headers={"Accept-Encoding": "gzip"}) for _ in range(3)]
    assert _gzipped.cache_info().misses == misses + 1
    assert {a.data for a in answers} == {gzip.compress(DRAWING.encode(), 6, mtime=0)}


def test_a_lesson_drawing_is_sent_gzipd_and_revalidated_with_its_etag(media_client):
    response = media_client.get("/media/01-basics/drawing.svg", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip" and gzip.decompress(response.data) == DRAWING.encode()
    assert response.headers["ETag"].endswith(':gzip"') and response.headers["Content-Security-Policy"] == SANDBOX_CSP
    again = media_client.get("/media/01-basics/drawing.svg", headers={"Accept-Encoding": "gzip",
                                                                       "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_an_edited_drawing_is_sent_as_it_now_is(media_client, content_dir):
    first = media_client.get("/media/01-basics/drawing.svg", headers={"Accept-Encoding": "gzip"})
    path = content_dir / "01-basics" / "drawing.svg"
    path.write_text(DRAWING.replace("circle", "rect"))
    os.utime(path, (path.stat().st_atime + 60, path.stat().st_mtime + 60))
    second = media_client.get("/media/01-basics/drawing.svg", headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(second.data) == path.read_bytes() != gzip.decompress(first.data)
    assert second.headers["ETag"] != first.headers["ETag"]


def test_a_player_without_gzip_gets_plain_subtitles_and_may_seek_in_them(media_client):
    plain = media_client.get("/media/01-basics/clip.vtt")
    assert plain.headers.get("Content-Encoding") is None and plain.data == SUBTITLES.encode()
    part = media_client.get("/media/01-basics/clip.vtt", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-5"})
    assert part.status_code == 206 and part.data == b"WEBVTT"
    zipped = media_client.get("/media/01-basics/clip.vtt", headers={"Accept-Encoding": "gzip"})
    assert zipped.mimetype == "text/vtt" and gzip.decompress(zipped.data) == SUBTITLES.encode()


def test_a_course_drawing_over_a_real_server_unzips_to_the_file(server):
    path = ROOT / "content" / "05-running-your-own-work" / "invoice.svg"
    for _ in range(2):                   # the second answer comes from the cache
        status, headers, body = fetch(server, "/media/05-running-your-own-work/invoice.svg", Accept_Encoding="gzip")
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(body) == path.read_bytes()
