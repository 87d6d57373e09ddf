"""Idle logout in a real browser, on a kiosk that logs learners out after 6 seconds.

The page warns before the end (halfway for such a short time); "I'm still here" extends the session.
After the end, the next person sees nothing of the previous learner, not even with Back.
"""
import pytest

from tests.browser.pages import LESSON, Visitor, axe_violations, unique_name

pytestmark = pytest.mark.browser
IDLE_SECONDS = 6                                 # IDLE_MINUTES=0.1 in the idle_kiosk fixture


def learner_left_nothing(visitor: Visitor, name: str) -> None:
    page = visitor.page
    assert page.locator(".me").count() == 0                       # no learner in the header
    assert page.locator(".step-text, .course-card, .resume").count() == 0
    assert f"{name}" not in page.locator("h1").inner_text()


def test_the_idle_warning_appears_and_im_still_here_extends_the_session(new_context, idle_kiosk):
    visitor = Visitor(new_context().new_page(), idle_kiosk)
    page = visitor.page
    visitor.create(unique_name("Inès"))
    warning = page.locator("#idle-warning")
    assert warning.is_hidden()
    warning.wait_for(state="visible", timeout=IDLE_SECONDS * 1000)
    assert page.evaluate("document.activeElement.closest('#idle-warning') === null")   # focus stays put
    assert axe_violations(page) == []
    page.keyboard.press("Enter")                                   # any key is activity, as is the button
    warning.wait_for(state="hidden", timeout=2000)
    page.wait_for_timeout(IDLE_SECONDS * 1000 * 0.7)               # past the first deadline
    assert page.url.startswith(idle_kiosk + "/home") and page.locator(".me").count() == 1
    visitor.open("/home")
    assert page.url.startswith(idle_kiosk + "/home"), "the server did not extend the session"
    assert visitor.problems == []


def test_with_javascript_the_page_logs_out_by_itself_and_back_shows_nothing(new_context, idle_kiosk):
    visitor = Visitor(new_context().new_page(), idle_kiosk)
    page, name = visitor.page, unique_name("Omar")
    visitor.create(name)
    visitor.open(LESSON)
    with page.expect_navigation(url=idle_kiosk + "/", timeout=(IDLE_SECONDS + 4) * 1000):
        pass                                                       # the page leaves by itself after the idle time
    learner_left_nothing(visitor, name)
    page.go_back()
    learner_left_nothing(visitor, name)
    assert not page.url.startswith(idle_kiosk + LESSON)
    visitor.open("/home")
    learner_left_nothing(visitor, name)


def test_without_javascript_the_server_ends_the_session_and_back_shows_nothing(new_context, idle_kiosk):
    visitor = Visitor(new_context(java_script_enabled=False).new_page(), idle_kiosk)
    page, name = visitor.page, unique_name("Rosa")
    visitor.create(name)
    visitor.open(LESSON)
    assert name in page.inner_text(".me")
    page.wait_for_timeout(IDLE_SECONDS * 1000 + 500)
    visitor.submit('.menu a[href="/courses"]')                     # the next person touches the screen
    assert page.url == idle_kiosk + "/?expired=1"
    assert page.locator(".notice").is_visible()                    # says why, and what to do
    learner_left_nothing(visitor, name)
    page.go_back()
    learner_left_nothing(visitor, name)
