"""What a course ships is untrusted: an SVG with a script, a page, a text file full of HTML, opened on their
own or embedded with <img>, <object>, <embed> and <iframe>, run no script on the kiosk's origin in real
Chromium, with the page's Content-Security-Policy and without it.

Every script in these files tries to reach /log/… on the kiosk's origin (fetch, an image beacon, a script
file), set the title or open a dialog; the browser context records each of these. The same SVG served
without the kiosk's headers does all of it, so the probes would see a script that ran.
"""
from __future__ import annotations

import pytest

from kiosk.app import CSP as PAGE_CSP
from sync.base.untrusted_files import SANDBOX_CSP
from tests.browser.conftest import kiosk_config
from tests.browser.pages import Visitor, unique_name
from tests.browser.server import ChildKiosk
from tests.browser.without_page_csp import KioskWithoutPageCsp
from tests.conftest import SMALL_COURSE, write_tree

pytestmark = pytest.mark.browser

HOSTILE_SVG = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     viewBox="0 0 10 10" onload="document.title='ran'; fetch('/log/svg-onload'); alert('onload')">
  <title>A mouse</title>
  <circle cx="5" cy="5" r="4" style="fill: #36c"/>
  <script>document.title = 'ran'; fetch('/log/svg-script'); new Image().src = '/log/svg-beacon';</script>
  <script href="hostile.txt"/>
  <animate attributeName="r" from="4" to="3" dur="0.1s" onbegin="fetch('/log/svg-onbegin')"/>
</svg>
"""
HOSTILE_PAGE = """<!doctype html><title>page</title>
<script>document.title = 'ran'; fetch('/log/html-script'); new Image().src = '/log/html-beacon';</script>
<img src="/nothing" onerror="fetch('/log/html-onerror')">
"""
HANDOUT_PDF = b"""%PDF-1.4
1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj
trailer<</Root 1 0 R>>
%%EOF
"""
FOLDER = "/media/01-basics/"
SERVED = {"hostile.svg": "image/svg+xml", "mouse.svg": "image/svg+xml", "hostile.txt": "text/plain; charset=utf-8",
          "page.txt": "text/plain; charset=utf-8", "fake.pdf": "application/pdf"}
NEVER_SERVED = ("page.html", "page.htm", "page.xhtml", "PAGE.HTML", "data.xml", "page.xsl")


@pytest.fixture(scope="module")
def hostile_content(tmp_path_factory):
    """A course that ships hostile files; the lesson's picture is one of them."""
    return write_tree(tmp_path_factory.mktemp("hostile") / "content", {
        **SMALL_COURSE, "01-basics/mouse.svg": HOSTILE_SVG, "01-basics/hostile.svg": HOSTILE_SVG,
        "01-basics/hostile.txt": "fetch('/log/svg-external-script'); document.title = 'ran';\n",
        "01-basics/page.txt": HOSTILE_PAGE, "01-basics/fake.pdf": HOSTILE_PAGE,
        "01-basics/handout.pdf": HANDOUT_PDF, **{f"01-basics/{name}": HOSTILE_PAGE for name in NEVER_SERVED}})


@pytest.fixture(scope="module", params=["page CSP on", "page CSP off"])
def hostile_kiosk(request, browser, hostile_content, tmp_path_factory):
    """The kiosk serving that course, in its own process: as shipped, and with no policy on its pages."""
    kind = ChildKiosk if request.param == "page CSP on" else KioskWithoutPageCsp
    server = kind(kiosk_config(hostile_content, tmp_path_factory.mktemp("hostile-data")))
    server.page_csp = PAGE_CSP if request.param == "page CSP on" else None
    yield server
    server.stop()


class Probe:
    """A browser context that records what a script could do: reach /log/… on the kiosk, open a dialog."""

    def __init__(self, context, base: str):
        self.context, self.base, self.logged, self.dialogs = context, base, [], []
        context.route(f"{base}/log/**", self._log)
        self.page = context.new_page()
        self.page.on("dialog", self._dialog)

    def _log(self, route) -> None:
        self.logged.append(route.request.url[len(self.base):])
        route.fulfill(status=204)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: str):
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")          # what a script would fetch has been asked
        return response

    def host(self, path: str, html: str, csp: str | None) -> None:
        """A page at `path` on the kiosk's origin, with the page's policy or none at all."""
        headers = {"Content-Security-Policy": csp} if csp else {}
        self.context.route(self.base + path, lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=html, headers=headers))

    def saw_nothing(self) -> bool:
        return not self.logged and not self.dialogs


def test_the_kiosks_pages_carry_their_policy_or_none_at_all(new_context, hostile_kiosk):
    probe = Probe(new_context(), hostile_kiosk.base)
    assert probe.open("/").all_headers().get("content-security-policy") == hostile_kiosk.page_csp


def test_a_courses_files_opened_on_their_own_run_no_script(new_context, hostile_kiosk):
    probe = Probe(new_context(), hostile_kiosk.base)
    for name, content_type in SERVED.items():
        response = probe.open(FOLDER + name)
        headers = response.all_headers()
        assert response.status == 200 and headers["content-type"] == content_type, name
        assert headers["x-content-type-options"] == "nosniff", name
        assert headers["content-security-policy"] == SANDBOX_CSP, name          # the page's policy not added
        if name.endswith(".svg"):
            assert probe.page.title() == "A mouse"
    assert probe.saw_nothing(), (probe.logged, probe.dialogs)


def test_pages_and_xml_in_a_course_are_never_served(new_context, hostile_kiosk):
    probe = Probe(new_context(), hostile_kiosk.base)
    for name in NEVER_SERVED:
        assert probe.open(FOLDER + name).status == 404, name
    assert probe.saw_nothing(), (probe.logged, probe.dialogs)


def embeds(names: list[str]) -> str:
    tags = "".join(f'<img src="{FOLDER}{n}" alt="">'
                   f'<object data="{FOLDER}{n}" type="image/svg+xml"></object><embed src="{FOLDER}{n}">'
                   f'<iframe src="{FOLDER}{n}"></iframe>' for n in names)
    return f"<!doctype html><title>probe</title><body>{tags}</body>"


def test_embedded_with_img_object_embed_and_iframe_they_run_no_script(new_context, hostile_kiosk):
    probe = Probe(new_context(), hostile_kiosk.base)
    probe.host("/probe", embeds(["hostile.svg", "page.txt", "fake.pdf", "page.html"]), hostile_kiosk.page_csp)
    probe.open("/probe")
    assert probe.saw_nothing(), (probe.logged, probe.dialogs)
    assert probe.page.title() == "probe"
    assert probe.page.evaluate("document.images[0].complete && document.images[0].naturalWidth > 0")  # it shows


def test_the_same_svg_served_without_the_kiosks_headers_would_run_its_script(new_context, hostile_kiosk):
    """The control: the probes see a script that runs, opened on its own and in a frame."""
    probe = Probe(new_context(), hostile_kiosk.base)
    probe.context.route(f"{hostile_kiosk.base}/control/**", lambda route: route.fulfill(
        status=200, content_type="image/svg+xml", body=HOSTILE_SVG))
    probe.open("/control/hostile.svg")
    assert {"/log/svg-script", "/log/svg-beacon", "/log/svg-onload"} <= set(probe.logged), probe.logged
    assert probe.dialogs == ["onload"]
    probe.logged.clear()
    probe.host("/probe", '<!doctype html><title>probe</title><iframe src="/control/hostile.svg"></iframe>', None)
    probe.open("/probe")
    assert "/log/svg-script" in probe.logged, probe.logged


def test_a_lesson_shows_the_courses_svg_as_a_picture_and_nothing_runs(new_context, hostile_kiosk):
    context = new_context()
    probe = Probe(context, hostile_kiosk.base)
    visitor = Visitor(probe.page, hostile_kiosk.base)
    visitor.choose_language("en")                  # the English lesson has the picture
    visitor.create(unique_name("Awa"))
    probe.open("/courses/basics/the-mouse?step=1")
    picture = probe.page.locator('img[src*="/mouse.svg"]')
    assert picture.count() == 1
    assert picture.evaluate("img => img.complete && img.naturalWidth > 0")
    assert probe.saw_nothing(), (probe.logged, probe.dialogs)


def test_a_pdf_handout_still_opens_in_the_browsers_own_viewer(new_context, hostile_kiosk):
    probe = Probe(new_context(), hostile_kiosk.base)
    response = probe.open(FOLDER + "handout.pdf")
    assert response.all_headers()["content-security-policy"] == SANDBOX_CSP
    assert any(frame.url.startswith("chrome-extension://") for frame in probe.page.frames), \
        [frame.url for frame in probe.page.frames]
