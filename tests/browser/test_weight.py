"""Every learner page is small on the wire, in few requests, and never leaves the kiosk: measured by Chromium."""
import json

import pytest

from tests.browser.pages import SCREENSHOTS, Visitor, learner_tour

pytestmark = pytest.mark.browser

BUDGET_BYTES = 20 * 1024
BUDGET_REQUESTS = 4
TEXT_TYPES = ("text/html", "text/css", "application/javascript", "text/javascript", "image/svg+xml")


def is_media(url: str) -> bool:
    return "/media/" in url or "/media-cache/" in url


def test_every_page_fits_the_weight_budget_with_a_cold_cache(new_context, kiosk):
    """HTML + CSS + JS + pictures ≤ 20 KB on the wire (headers included) in ≤ 4 requests, media included:
    on a slow kiosk a lesson's picture or a course cover costs a round trip like any other file."""
    context = new_context(extra_http_headers={"Accept-Encoding": "gzip"})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})      # every page as on a first visit
    started = []
    page.on("request", lambda request: started.append(request))
    visitor = Visitor(page, kiosk)
    weights, over, uncompressed = {}, [], []
    for page_name in learner_tour(visitor, "fr"):
        page.wait_for_load_state("networkidle")
        first = max(i for i, r in enumerate(started) if r.is_navigation_request() and r.frame == page.main_frame)
        requests = [r for r in started[first:] if not r.url.startswith("data:")]
        own = [r for r in requests if not is_media(r.url)]
        sizes = [r.sizes() for r in requests]
        wire = sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes)
        weights[page_name] = {"bytes": wire, "requests": len(requests), "media requests": len(requests) - len(own),
                              "files": {r.url.split("?")[0][len(kiosk):]: s["responseBodySize"]
                                        for r, s in zip(requests, sizes)}}
        if wire > BUDGET_BYTES or len(requests) > BUDGET_REQUESTS:
            over.append(page_name)
        for request in own:
            response = request.response()
            kind = response.headers.get("content-type", "").split(";")[0]
            if (kind in TEXT_TYPES and response.status < 300 and int(response.headers.get("content-length", 0)) > 300
                    and response.headers.get("content-encoding") != "gzip"):
                uncompressed.append(request.url)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / "page-weights.json").write_text(json.dumps(weights, indent=1))
    assert over == [], json.dumps({name: weights[name] for name in over}, indent=1)
    assert uncompressed == []
    assert visitor.problems == []                       # includes any request that left 127.0.0.1
    assert all(r.url.startswith((kiosk + "/", "data:")) for r in started)
