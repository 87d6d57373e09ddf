"""Small course covers and the learner's own picture travel inside the page, so a page costs fewer requests."""
from __future__ import annotations

import base64
import os
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest

from kiosk.media import INLINE_BYTES, inline_picture
from tests.conftest import Learners, write_tree

SMALL_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 200">\n'
             '  <rect width="320" height="200" fill="#e8f1fa"/>\n  <text x="10" y="20">Pay & "save" 100%</text>\n</svg>\n')
SCRIPT_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)">'
              '<script>alert(2)</script><circle cx="5" cy="5" r="4"/></svg>')
LESSON = "# Start\n\nSome text.\n"


def course(folder: str, cover: str | None) -> dict[str, str]:
    settings = f"id: {folder}\ntitle: Course {folder}\nlanguage: en\n" + (f"cover: {cover}\n" if cover else "")
    return {f"{folder}/course.yml": settings, f"{folder}/01-start.md": LESSON}


@pytest.fixture
def covers(tmp_path):
    root = tmp_path / "content"
    write_tree(root, {**course("small", "cover.svg"), "small/cover.svg": SMALL_SVG,
                      **course("large", "cover.png"), **course("script", "cover.svg"),
                      "script/cover.svg": SCRIPT_SVG, **course("missing", "gone.svg")})
    (root / "large" / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(INLINE_BYTES))
    return root


class Page(HTMLParser):
    """The tags of a page, each with its attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.tags = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def img_sources(make_app, covers) -> tuple[str, list[str]]:
    client = make_app(covers).test_client()
    Learners(client).create("Awa")
    response = client.get("/courses")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, [a["src"] for t, a in Page(html).tags if t == "img"]


def test_a_small_cover_is_inside_the_catalogue_page_and_decodes_to_the_very_file(make_app, covers):
    _, sources = img_sources(make_app, covers)
    inline = [s for s in sources if s.startswith("data:image/svg+xml,") and "e8f1fa" in s]
    assert len(inline) == 1
    assert unquote(inline[0].removeprefix("data:image/svg+xml,")) == SMALL_SVG
    assert not any("/media/small/" in s for s in sources)


def test_a_large_cover_stays_a_link_to_the_file(make_app, covers):
    _, sources = img_sources(make_app, covers)
    assert [s for s in sources if s.startswith("/media/large/cover.png?v=")]
    assert not any(s.startswith("data:image/png") for s in sources)


def test_a_cover_with_a_script_is_only_ever_an_image_never_markup_in_the_page(make_app, covers):
    html, sources = img_sources(make_app, covers)
    inline = [s for s in sources if "alert" in unquote(s)]
    assert len(inline) == 1 and inline[0].startswith("data:image/svg+xml,")
    # The page holds the picture only as an encoded URL: no tag or handler of it is in the markup.
    assert "alert" not in html.replace(inline[0], "") and "<script>alert" not in html
    scripts = [a for t, a in Page(html).tags if t == "script"]
    assert scripts and all(a.get("src", "").startswith("/static/") for a in scripts)


def test_a_missing_cover_leaves_the_catalogue_working(make_app, covers):
    html, sources = img_sources(make_app, covers)
    assert "Course missing" in html
    assert not any(s.startswith("data:") and "gone" in s for s in sources)
    assert inline_picture(covers / "missing" / "gone.svg") is None


def test_a_cover_changed_after_indexing_is_read_again(tmp_path):
    picture = tmp_path / "cover.svg"
    picture.write_text(SMALL_SVG, encoding="utf-8")
    first = inline_picture(picture)
    picture.write_text(SMALL_SVG.replace("e8f1fa", "ffcc00"), encoding="utf-8")
    os.utime(picture, ns=(picture.stat().st_atime_ns, picture.stat().st_mtime_ns + 10**9))
    assert "e8f1fa" in first and "ffcc00" in inline_picture(picture)


def test_a_small_photo_is_inside_the_page_as_base64(tmp_path):
    photo = tmp_path / "cover.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    url = inline_picture(photo)
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == photo.read_bytes()


def test_the_learner_picture_in_the_header_is_drawn_in_the_page(make_app, covers):
    client = make_app(covers).test_client()
    Learners(client).create("Awa", picture="cat")
    html = client.get("/home").get_data(as_text=True)
    header = html.split('class="who-am-i"', 1)[1].split("</span>", 1)[0]
    assert '<svg class="picture"' in header and 'viewBox="0 0 48 48"' in header and "#e08a3c" in header
    assert "pictures.svg" not in html
