"""Fixtures for the browser checks: Debian's Chromium, a real kiosk on 127.0.0.1, and a person's steps.

Without /usr/bin/chromium (or RELAIS_CHROMIUM) the checks skip, unless RELAIS_REQUIRE_BROWSER=1 (CI),
where they fail.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.browser.server import ChildKiosk, ThreadedKiosk, write_silence
from tests.conftest import DEMO_CONTENT

CHROMIUM = Path(os.environ.get("RELAIS_CHROMIUM", "/usr/bin/chromium"))      # Debian's; never `playwright install`
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1024, "height": 768}


def _unavailable(reason: str):
    if os.environ.get("RELAIS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"RELAIS_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(f"browser checks skipped: {reason}")


@pytest.fixture(scope="package")
def browser():
    """One Chromium for all the browser checks, stopped when they end: other tests start Playwright too,
    and two sync Playwrights cannot run at once."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def kiosk_content(tmp_path_factory) -> Path:
    """The demo courses, plus a recorded reading of one lesson (in English and French)."""
    root = tmp_path_factory.mktemp("content") / "content"
    shutil.copytree(DEMO_CONTENT, root)
    for name in ("02-the-keyboard.wav", "02-the-keyboard.fr.wav"):
        write_silence(root / "01-first-digital-steps" / name)
    return root


def kiosk_config(content: Path, data: Path, **extra) -> dict:
    return {"DATA_DIR": str(data), "CONTENT_DIR": str(content), "SECRET_KEY": "browser-tests",
            "DEFAULT_LANGUAGE": "fr", "NARRATION": "no", **extra}   # test_narration_audio turns it on


@pytest.fixture(scope="package")
def kiosk(browser, kiosk_content, tmp_path_factory):
    """The kiosk every browser check shares, served by waitress from a thread: its base URL."""
    from kiosk.app import create_app
    from kiosk.db import database

    app = create_app(kiosk_config(kiosk_content, tmp_path_factory.mktemp("data")))
    server = ThreadedKiosk(app)
    yield server.base
    server.stop()
    if not database.is_closed():
        database.close()


@pytest.fixture(scope="module")
def idle_kiosk(browser, tmp_path_factory):
    """A kiosk of its own that logs learners out after 6 seconds (in a child process)."""
    server = ChildKiosk(kiosk_config(DEMO_CONTENT, tmp_path_factory.mktemp("idle-data"), IDLE_MINUTES=0.1))
    yield server.base
    server.stop()


@pytest.fixture
def new_context(browser):
    """Browser contexts (a fresh person: no cookies, no cache) closed after the test."""
    made = []

    def make(**options):
        options.setdefault("viewport", VIEWPORT)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()

