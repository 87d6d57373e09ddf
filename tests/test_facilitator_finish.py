"""The facilitator's finish: numbers and dates in the page's language, the way in and out, printable
sheets, a pack page that says plainly what a file is, trusting a publisher and backups from the pages."""
# ruff: noqa: F811 (the facilitator tests' fixtures, imported, are named again as test arguments)
import io
import os
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest

from kiosk import backup
from kiosk.db import database
from kiosk.models import Progress
from kiosk.packs import keygen, trusted_keys
from tests.test_facilitator import fixture_data, sign_in, staff  # noqa: F401 (fixtures, used by name)

NBSP = "\u00a0"


def page_of(client, url: str, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def flashed(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_french_dashboard_writes_decimal_commas_and_french_percents(client, staff, fixture_data):
    with database.connection_context():
        Progress.update(time_spent=1800).where(Progress.lesson_key == "basics/reading").execute()
    sign_in(staff)
    page = page_of(client, "/facilitator/dashboard")
    assert "0,5 h" in page and "0.5 h" not in page
    assert f"33{NBSP}%" in page                         # completion of the course, as French writes it
    staff.post("/language", {"language": "en"}, token_from="/facilitator/")
    english = page_of(client, "/facilitator/dashboard")
    assert "0.5 h" in english and "33%" in english


def test_each_chart_keeps_its_table_folded_away_and_the_weeks_figures_stand_out(client, staff, fixture_data):
    sign_in(staff)
    page = page_of(client, "/facilitator/dashboard")
    for chart in re.findall(r'<figure class="chart".*?</figure>', page, re.DOTALL):
        assert chart.count("<table") == 1 and re.search(r"<details>\s*<summary>.*<table", chart, re.DOTALL)
    assert '<dl class="figures">' in page


def test_the_first_screen_leads_to_the_facilitator_area_and_every_facilitator_page_signs_out(client, staff):
    who = page_of(client, "/")
    assert 'href="/facilitator/"' in who
    sign_in(staff)
    for url in ("/facilitator/", "/facilitator/dashboard", "/facilitator/learners", "/facilitator/groups",
                "/facilitator/settings", "/facilitator/packs/", "/facilitator/backups/"):
        assert 'action="/facilitator/logout"' in page_of(client, url), url


def test_the_attendance_sheet_prints_its_date_in_words_of_the_pages_language(client, staff):
    sign_in(staff)
    made = staff.post("/facilitator/groups", {"name": "Atelier du mardi"}, token_from="/facilitator/groups")
    url = made.headers["Location"]
    sheet = page_of(client, url + "/attendance?day=2026-12-01")
    assert "1 décembre 2026" in sheet
    assert re.sub(r'value="[^"]*"', "", sheet).count("2026-12-01") == 0       # only in the date field
    assert 'class="inline-form no-print"' in sheet
    assert page_of(client, url + "/attendance?day=not-a-date").count("<table") == 1     # today's sheet


def test_an_ordinary_zip_is_called_so_before_any_technical_detail(client, staff, tmp_path):
    sign_in(staff)
    staff.post("/language", {"language": "en"}, token_from="/facilitator/")
    ordinary = io.BytesIO()
    with zipfile.ZipFile(ordinary, "w") as archive:
        archive.writestr("../holiday/photo.txt", "not a course")        # also a path a pack may not hold
    answer = staff.post("/facilitator/packs/upload", {"pack": (io.BytesIO(ordinary.getvalue()), "photos.zip")},
                        token_from="/facilitator/packs/", content_type="multipart/form-data",
                        follow_redirects=True)
    text = flashed(answer)
    assert "This is not a Relais course pack: it holds no manifest.json" in text
    assert "leaves its folder" not in text


def test_a_facilitator_trusts_a_publisher_from_the_page_after_seeing_its_fingerprint(app, client, staff, tmp_path):
    _, public, name = keygen(tmp_path / "keys")
    sign_in(staff)
    shown = staff.post("/facilitator/packs/trust", {"key": (io.BytesIO(public.read_bytes()), "publisher.pub")},
                       token_from="/facilitator/packs/", content_type="multipart/form-data")
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and name in page
    assert trusted_keys(app.config["DATA_PATH"]) == {}                   # nothing changes before the confirmation
    pem = re.search(r'name="pem" value="([^"]+)"', page).group(1).replace("&#10;", "\n")
    refused = client.post("/facilitator/packs/trust/confirm", data={"pem": pem})
    assert refused.status_code == 400 and trusted_keys(app.config["DATA_PATH"]) == {}     # no CSRF token
    staff.post("/facilitator/packs/trust/confirm", {"pem": pem}, token_from="/facilitator/packs/")
    assert list(trusted_keys(app.config["DATA_PATH"])) == [name]
    wrong = staff.post("/facilitator/packs/trust", {"key": (io.BytesIO(b"hello"), "notes.txt")},
                       token_from="/facilitator/packs/", content_type="multipart/form-data", follow_redirects=True)
    assert "not a publisher" in flashed(wrong) or "n’est pas la clé publique" in flashed(wrong)


@pytest.fixture
def stick(app, tmp_path, monkeypatch):
    """A USB stick mounted under a folder of PACK_USB_ROOTS (the mount itself is outside the test)."""
    media = tmp_path / "media"
    stick = media / "usb"
    stick.mkdir(parents=True)
    real_ismount = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == stick or real_ismount(p))
    app.config["PACK_USB_ROOTS"] = (str(media),)
    return stick


def test_a_facilitator_makes_a_backup_downloads_it_and_copies_it_to_a_usb_stick(app, client, staff, stick):
    sign_in(staff)
    staff.post("/facilitator/backups/now", token_from="/facilitator/backups/")
    made, = backup.listed(app.config["DATA_PATH"])
    page = page_of(client, "/facilitator/backups/")
    assert f'href="/facilitator/backups/{made.name}"' in page and re.search(r"\d,\d Mo", page)   # French: Mo
    download = client.get(f"/facilitator/backups/{made.name}")
    assert download.status_code == 200 and download.data.startswith(b"SQLite format 3\x00")
    assert client.get("/facilitator/backups/..%2Frelais.sqlite3").status_code == 404
    assert client.post("/facilitator/backups/usb", data={"name": made.name, "stick": str(stick)}).status_code == 400
    staff.post("/facilitator/backups/usb", {"name": made.name, "stick": str(stick)},
               token_from="/facilitator/backups/")
    copy = stick / made.name
    con = sqlite3.connect(copy)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()
    assert [p.name for p in stick.iterdir()] == [made.name]             # no partial file left beside it


def test_backups_are_for_facilitators_only(client):
    assert client.get("/facilitator/backups/").status_code == 302
    assert client.get("/facilitator/backups/relais-20261201-120000.sqlite3").status_code == 302


def test_a_certificate_carries_its_qr_code_inline_and_the_print_hint_stays_on_screen(app, client, fixture_data):
    from tests.conftest import Learners

    learner = Learners(client)
    learner.pick(fixture_data["ana"].uuid)
    shown = client.get(learner.post("/courses/basics/certificate", token_from="/courses/basics").headers["Location"])
    page = shown.get_data(as_text=True)
    assert '<svg' in page and 'class="cert-qr-code"' in page and "cert-signature-line" in page
    assert re.search(r'<p class="no-print"><button [^>]*data-print', page)
    assert "/certificates/centre-logo.png" not in page                 # no logo in the data folder
    (app.config["DATA_PATH"] / "centre-logo.png").write_bytes(b"<svg onload=alert(1)>")
    assert client.get("/certificates/centre-logo.png").status_code == 404        # only a real PNG is served
