"""A learner's whole journey works without JavaScript, and with the keyboard alone."""
import re

import pytest

from tests.browser.pages import COURSE, LESSON, Visitor, unique_name

pytestmark = pytest.mark.browser


def test_a_learner_does_a_whole_lesson_without_javascript(new_context, kiosk):
    visitor = Visitor(new_context(java_script_enabled=False).new_page(), kiosk)
    page, name = visitor.page, unique_name("Nadia")
    visitor.create(name, "boat", pin="2580")
    assert page.url.startswith(kiosk + "/home") and name in page.inner_text(".me")

    visitor.set_prefs(text_size=200, contrast=True)               # applied by the server, no script needed
    assert page.evaluate("document.documentElement.className") == "text-200 contrast"
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "36px"

    visitor.open("/home")
    visitor.submit(f'.course-card a[href="{COURSE}"]')
    visitor.submit(f'.lesson-list a[href="{LESSON}"]')
    assert page.locator("[data-speak]:visible").count() == 0      # no script, no voice: no "Listen" button
    steps = 1
    while page.locator(".step-nav form button[type=submit]").count() and "/quiz" not in page.url:
        assert page.locator(".step-text").inner_text().strip()
        if steps == 2:                                               # Previous goes back a step, then on again
            visitor.submit(".step-nav a.button")
            assert "step=0" in page.url
            visitor.submit(".step-nav form button[type=submit]")
        visitor.submit(".step-nav form button[type=submit]")
        steps += 1
    assert steps == 6 and page.url.endswith(LESSON + "/quiz")     # 5 steps, then the quiz

    visitor.submit("form.quiz button[type=submit]")                # nothing answered: told what to do
    assert page.locator(".error-summary a").count() == 5
    visitor.answer_quiz()
    assert "/attempts/" in page.url
    assert re.search(r"\b[0-5]\b.*\b5\b", page.inner_text(".score .big"))   # "N … out of 5" in any wording
    assert page.locator(".answers li").count() == 5

    visitor.open(COURSE)
    assert page.locator(".lesson-list li.completed").count() == 1

    visitor.log_out()
    assert page.url == kiosk + "/" and page.locator(".me").count() == 0
    visitor.open("/home")
    assert page.url.startswith(kiosk + "/?") or page.url == kiosk + "/"   # back to "Who is learning?"


def test_a_learner_does_a_whole_lesson_with_the_keyboard_only(new_context, kiosk):
    """Tab to move, Enter and Space to act, typing in fields: never a click."""
    visitor = Visitor(new_context().new_page(), kiosk)
    page, keys, name = visitor.page, Keys(visitor.page), unique_name("Karim")
    visitor.open("/")
    keys.tab_to(".people a.new-person").follow()
    keys.tab_to("#name").type(name)
    keys.tab_to("input[name=picture]:checked").press("ArrowRight")   # Tab reaches the group at its chosen one
    keys.tab_to("main form button[type=submit]").follow()
    assert page.url.startswith(kiosk + "/home")

    keys.tab_to(f'.course-card a[href="{COURSE}"]').follow()
    keys.tab_to(f'.lesson-list a[href="{LESSON}"]').follow()
    for _ in range(5):                                             # Next ×4, then "Go to the quiz"
        keys.tab_to(".step-nav form button[type=submit]").follow()
    assert page.url.endswith(LESSON + "/quiz")

    for number in range(5):
        field = f"#q{number} input"
        kind = keys.tab_to(field).focused_type()
        if kind in ("radio", "checkbox"):
            keys.press("Space")
        else:
            keys.type("Maj")
    keys.tab_to("form.quiz button[type=submit]").follow()
    assert "/attempts/" in page.url and page.locator(".score").is_visible()

    keys.tab_to(".me button[type=submit]").follow()
    assert page.url == kiosk + "/" and page.locator(".me").count() == 0


class Keys:
    """The keyboard, and where its focus is."""

    def __init__(self, page):
        self.page = page

    def tab_to(self, selector: str, limit: int = 80) -> "Keys":
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                return self
        raise AssertionError(f"Tab never reached {selector} on {self.page.url}")

    def press(self, key: str) -> "Keys":
        self.page.keyboard.press(key)
        return self

    def follow(self) -> "Keys":
        """Enter on a link or a submit button, and wait for the next page."""
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        return self

    def type(self, text: str) -> "Keys":
        self.page.keyboard.type(text)
        return self

    def focused_type(self) -> str:
        return self.page.evaluate("document.activeElement.type")
