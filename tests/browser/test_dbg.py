import pytest
from tests.browser.pages import Visitor, learner_tour
pytestmark = pytest.mark.browser

def test_dbg(new_context, kiosk):
    ctx = new_context()
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    reqs = []
    page.on("requestfinished", lambda r: reqs.append(r))
    v = Visitor(page, kiosk)
    for name in learner_tour(v, "fr"):
        page.wait_for_load_state("networkidle")
        # last navigation bucket
        idx = max(i for i, r in enumerate(reqs) if r.is_navigation_request())
        bucket = reqs[idx:]
        print(name)
        for r in bucket:
            s = r.sizes(); resp = r.response()
            print("   ", r.url[len(kiosk):][:60], s["responseBodySize"], s["responseHeadersSize"], resp.headers.get("content-encoding"), resp.headers.get("cache-control"), resp.status)
