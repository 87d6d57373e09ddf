"""Printed pages: the certificate is one A4 page at every text size and its QR code opens the hub's check.

A kiosk of its own (a child process), enrolled with a hub that need not answer: the certificate only
prints the hub's address. Pages are counted with pdfinfo and the QR code read with zbarimg (Debian's
poppler-utils and zbar-tools).
"""
from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from sync.client.enrollment import Link, save
from tests.browser.conftest import _unavailable, kiosk_config
from tests.browser.pages import Visitor, unique_name
from tests.browser.server import ChildKiosk
from tests.conftest import DEMO_CONTENT

pytestmark = pytest.mark.browser
HUB = "https://hub.example.org"
TOOLS = ("pdfinfo", "pdftoppm", "zbarimg")
A4_CONTENT = {"width": 688, "height": 1013}    # CSS pixels inside the certificate's 14 mm margins
FITS = "(c => c.scrollHeight <= c.clientHeight + 1)(document.querySelector('.certificate'))"


@pytest.fixture(scope="module")
def printing_kiosk(browser, tmp_path_factory):
    """An enrolled kiosk with a centre name: its base URL and data folder."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        _unavailable(f"{', '.join(missing)} missing (apt-get install poppler-utils zbar-tools)")
    data = tmp_path_factory.mktemp("printing-data")
    save(data, Link(hub_url=HUB, kiosk_id="k1", secret="s", centre="Centre social Belleville",
                    enrolled_at=time.time()))
    server = ChildKiosk(kiosk_config(DEMO_CONTENT, data, SYNC_BACKGROUND="no", CONTENT_UPDATES="no"))
    yield server.base, data
    server.stop()


def issue_certificate(data: Path, name: str) -> str:
    """A certificate for the demo's first course, written as the kiosk writes it (the kiosk is another process)."""
    from kiosk.certificates import make_code

    con = sqlite3.connect(data / "relais.sqlite3", timeout=10)
    with con:
        learner_id, uuid = con.execute("SELECT id, uuid FROM learner WHERE name = ?", (name,)).fetchone()
        code = make_code("browser-tests", uuid, "first-digital-steps", time.time())
        con.execute("INSERT INTO certificate (code, learner_id, course_id, issued_at) VALUES (?, ?, ?, ?)",
                    (code, learner_id, "first-digital-steps", 1_780_000_000.0))
    con.close()
    return code


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def qr_codes(pdf: Path) -> list[str]:
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(pdf.with_suffix(""))],
                   check=True)
    image = next(pdf.parent.glob(pdf.stem + "*.png"))
    read = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], check=False, capture_output=True, text=True)
    return read.stdout.split()


@pytest.mark.parametrize(("text_size", "lang"), [(100, "fr"), (150, "en"), (200, "ar")])
def test_a_certificate_prints_on_one_a4_page_with_a_qr_code_to_the_hubs_check(
        new_context, printing_kiosk, tmp_path, text_size, lang):
    base, data = printing_kiosk
    visitor = Visitor(new_context().new_page(), base)
    name = unique_name("Hélène Dupont-Marchand")
    visitor.choose_language(lang)
    visitor.create(name)
    visitor.set_prefs(text_size=text_size)
    code = issue_certificate(data, name)
    visitor.open(f"/certificates/{code}")
    page = visitor.page
    assert page.locator(".cert-signature-line").is_visible()
    assert "Centre social Belleville" in page.inner_text(".certificate")
    page.emulate_media(media="print")
    page.set_viewport_size(A4_CONTENT)
    assert page.evaluate(FITS), "the certificate is cut at the bottom of its page"
    assert not page.locator("p.no-print").is_visible()          # "use your browser's Print command"
    pdf = tmp_path / f"certificate-{text_size}.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf_pages(pdf) == 1
    assert qr_codes(pdf) == [f"{HUB}/verify?code={code}"]
    assert visitor.problems == []


@pytest.fixture(scope="module")
def facilitator(printing_kiosk, browser):
    """The kiosk's first facilitator, made on the first-run page from the kiosk itself; a signed-in context."""
    base, _ = printing_kiosk
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    context.set_default_timeout(10_000)
    visitor = Visitor(context.new_page(), base)
    visitor.open("/facilitator/setup")
    visitor.page.fill("#name", "Samia")
    visitor.page.fill("#password", "correct horse battery")
    visitor.page.fill("#password_confirm", "correct horse battery")
    visitor.submit("main form button[type=submit]")
    yield visitor
    context.close()


def test_the_attendance_sheet_prints_without_menu_form_or_instructions(facilitator, tmp_path):
    page = facilitator.page
    facilitator.open("/facilitator/groups")
    page.fill("#group-name", "Atelier du mardi")
    facilitator.submit("main form button[type=submit]")
    facilitator.open(page.url.split(facilitator.base)[1] + "/attendance?day=2026-12-01")
    page.emulate_media(media="print")
    for hidden in (".facilitator-nav", ".facilitator-out", "form.no-print", "p.no-print", ".foot"):
        assert not page.locator(hidden).first.is_visible(), hidden
    pdf = tmp_path / "attendance.pdf"
    page.pdf(path=str(pdf), format="A4")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert pdf_pages(pdf) == 1 and "1 décembre 2026" in text and "2026-12-01" not in text
    widths = page.evaluate("[...document.querySelectorAll('.attendance thead th')].map(th => th.offsetWidth)")
    assert widths[1] > widths[0]                          # the signature column is the wide one
    page.emulate_media(media="screen")


def test_the_french_dashboard_keeps_labels_clear_of_values_and_writes_decimal_commas(facilitator):
    facilitator.open("/facilitator/dashboard")
    page = facilitator.page
    assert re.search(r"\d,\d h|^0 h", page.inner_text(".figures"), re.MULTILINE)
    overlaps = page.evaluate("""[...document.querySelectorAll('.chart svg g')].filter(g => {
        const [label, value] = [g.querySelector('text'), g.querySelectorAll('text')[1]].map(t => t.getBBox());
        return !(label.y + label.height <= value.y || value.y + value.height <= label.y
                 || label.x + label.width <= value.x || value.x + value.width <= label.x);
    }).length""")
    assert overlaps == 0
    assert not page.locator(".chart details table").first.is_visible()     # folded until asked for
    assert facilitator.problems == []
