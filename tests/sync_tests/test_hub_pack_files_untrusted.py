"""A published pack's files are untrusted on the hub too: a browser gets none of them, and a kiosk gets
each one as a sandboxed download of stated type, never a page or a picture the hub's origin would run."""
from __future__ import annotations

import requests

from sync.base.untrusted_files import SANDBOX_CSP
from sync.wire import protocol
from tests.sync_tests.test_content_hub import published, publisher, sha_of, trusting_hub  # noqa: F401


def test_a_packs_svg_reaches_a_kiosk_as_a_sandboxed_download_and_a_browser_not_at_all(published,  # noqa: F811
                                                                                        publisher):  # noqa: F811
    name = protocol.BLOBS_PATH + sha_of(publisher["packs"][1], "01-basics/mouse.svg")
    browser = requests.get(published.hub.url + name, timeout=10)
    assert browser.status_code == 401 and browser.headers["Content-Type"] == "application/json"
    kiosk = published.get(name)
    assert kiosk.status_code == 200 and kiosk.content.startswith(b"<svg")
    assert kiosk.headers["Content-Type"] == "application/octet-stream"
    assert kiosk.headers["X-Content-Type-Options"] == "nosniff"
    assert kiosk.headers["Content-Security-Policy"] == SANDBOX_CSP
    assert kiosk.headers["Content-Disposition"] == "attachment"
