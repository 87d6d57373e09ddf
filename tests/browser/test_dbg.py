import pytest
from tests.browser.pages import Visitor, learner_tour
pytestmark = pytest.mark.browser

def test_dbg(new_context, kiosk):
    v = Visitor(new_context(viewport={"width": 320, "height": 800}).new_page(), kiosk)
    for name in learner_tour(v, "en"):
        if name in ("home", "lesson-first", "who"):
            print(name, v.page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0,5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""))
            v.screenshot(f"dbg-320-{name}", full_page=True)
