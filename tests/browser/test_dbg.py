import pytest
from tests.browser.pages import Visitor, LESSON
from tests.browser.test_accessibility import FOCUS_JS
pytestmark = pytest.mark.browser

def test_dbg(new_context, kiosk):
    v = Visitor(new_context().new_page(), kiosk)
    v.create("Dbg")
    v.open(LESSON + "/quiz")
    for _ in range(40):
        v.page.keyboard.press("Tab")
        f = v.page.evaluate(FOCUS_JS)
        print(f)
        if f["tag"] == "body": break
