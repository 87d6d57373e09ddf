"""Page weight as the browser sees it: Debian's Chromium loads each learner page, logged in, with its cache off.

A kiosk process (`run.py serve`, the demo courses) on 127.0.0.1; Chromium is driven by Playwright (as the
browser tests drive it) and its DevTools network events are recorded, then read by bench/browser_log.py:
requests and bytes received with headers (`encodedDataLength`), media included.
`python -m bench.page_weight [--record FILE]` prints the rows (and keeps the recorded log in FILE).
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from .browser_log import PAGE_MARK, describe, pages
from .harness import ROOT, Server, free_port, python

CHROMIUM = Path(os.environ.get("RELAIS_CHROMIUM", "/usr/bin/chromium"))
EVENTS = ("Network.requestWillBeSent", "Network.responseReceived", "Network.loadingFinished",
          "Network.loadingFailed")
GOAL = "goal ≤ 20 KB and ≤ 4 requests, everything included"
WHAT = ("Chromium, cache off: requests and bytes received with headers "
        "(DevTools encodedDataLength), media included")


def run(work: Path | None = None, record: Path | None = None) -> list[tuple[str, str, str]]:
    missing = _missing()
    if missing:
        return [(f"Page weight in the browser ({WHAT})", f"not measured: {missing}", GOAL)]
    work = work or Path(tempfile.mkdtemp(prefix="relais-weight-"))
    port = free_port()
    kiosk = Server([python(), "run.py", "serve", "--host", "127.0.0.1", "--port", str(port), "--content",
                    str(ROOT / "content"), "--data", str(work / "weight-data")], port, "/healthz")
    try:
        events = record_tour(kiosk.base)
    finally:
        kiosk.stop()
    if record:
        record.write_text(json.dumps(events, indent=None))
    return [(f"Page weight in the browser: {page.name} ({WHAT})", describe(page),
             GOAL + (" — over" if page.bytes > 20 * 1024 or len(page.requests) > 4 else " — within"))
            for page in pages(events)]


def _missing() -> str:
    if not CHROMIUM.exists():
        return f"Chromium not installed ({CHROMIUM} is missing: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401  (only asked whether it is there)
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return ""


def record_tour(base: str) -> list[dict]:
    """Chromium's network events while a new learner visits each learner page, a mark before each page."""
    # Function-level imports: Playwright and the browser tests' visitor are needed only when Chromium is there.
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS, VIEWPORT
    from tests.browser.pages import COURSE, LESSON, Visitor

    events: list[dict] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            for method in EVENTS:
                cdp.on(method, lambda params, method=method: events.append({"method": method, "params": params}))
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})      # each page as on a first visit
            visitor = Visitor(page, base)
            visitor.create("Awa", "flower")

            def mark(name: str) -> None:
                page.wait_for_load_state("networkidle")
                events.append({"method": PAGE_MARK, "params": {"name": name}})

            for name, path in (("home, logged in", "/home"), ("catalogue, logged in", "/courses"),
                               ("course, logged in", COURSE), ("lesson, second step, logged in", LESSON + "?step=1"),
                               ("quiz, logged in", LESSON + "/quiz")):
                mark(name)
                visitor.open(path)
            mark("quiz results, logged in (the answers' POST and its redirect)")
            visitor.answer_quiz()
            mark("")                                        # logging out is not a page of its own
            visitor.log_out()
            # "Who is learning?" sends a logged-in learner home: it is measured logged out, one card on it.
            mark("who is learning (logged out, 1 learner card)")
            visitor.open("/")
            page.wait_for_load_state("networkidle")
            events.append({"method": PAGE_MARK, "params": {"name": ""}})     # the events after it are not counted
            if visitor.problems:
                events.append({"method": "bench.problems", "params": {"problems": visitor.problems}})
        finally:
            browser.close()
    return events


if __name__ == "__main__":
    target = Path(sys.argv[sys.argv.index("--record") + 1]) if "--record" in sys.argv else None
    for row in run(record=target):
        print(" | ".join(row))
