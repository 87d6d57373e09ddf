"""WCAG 2.2 AA on every learner page, in French, English and Arabic, at every text size and in high contrast."""
import pytest

from tests.browser.pages import (COURSE, LESSON, Visitor, axe_violations, learner_tour, small_targets,
                                 unique_name)

pytestmark = pytest.mark.browser

MODES = {"100": (100, False), "200": (200, False), "contrast": (150, True)}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_every_learner_page_passes_axe_in_every_language_and_display(new_context, kiosk, lang, mode):
    """axe-core finds nothing on any page; nothing is refused by the CSP; nothing leaves the kiosk."""
    text_size, contrast = MODES[mode]
    visitor = Visitor(new_context().new_page(), kiosk)
    found = {}
    for page_name in learner_tour(visitor, lang, text_size, contrast, logged_out=mode == "100"):
        found.update({page_name: problems} if (problems := axe_violations(visitor.page)) else {})
        visitor.screenshot(f"{lang}-{mode}-{page_name}")
    report = "\n".join(f"{name}: {line}" for name, lines in found.items() for line in lines)
    assert not found, f"axe found problems ({lang}, {mode}):\n{report}"
    assert visitor.problems == []


@pytest.mark.parametrize("lang, text_size, contrast, width", [
    ("fr", 100, False, 1024), ("en", 200, True, 1024), ("ar", 150, False, 1024), ("en", 100, False, 320)])
def test_every_control_is_a_large_target_and_nothing_scrolls_sideways(new_context, kiosk, lang, text_size,
                                                                        contrast, width):
    """Buttons, links and fields are at least 48 × 48 px (links inside lesson text excepted), and the
    page reflows to the window's width (WCAG 1.4.10 at 320 px)."""
    visitor = Visitor(new_context(viewport={"width": width, "height": 800}).new_page(), kiosk)
    small, wide = {}, []
    for page_name in learner_tour(visitor, lang, text_size, contrast):
        small.update({page_name: found} if (found := small_targets(visitor.page)) else {})
        if visitor.page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            wide.append(page_name)
        if (text_size, page_name) == (200, "lesson-first"):
            visitor.screenshot("lesson-200-contrast")
    assert small == {}
    assert wide == []


def test_keyboard_focus_is_always_visible_and_the_skip_link_works(new_context, kiosk):
    visitor = Visitor(new_context().new_page(), kiosk)
    visitor.create(unique_name("Focus"))
    page = visitor.page
    for path in ("/home", COURSE, LESSON, LESSON + "/quiz", "/preferences"):
        visitor.open(path)
        unseen = []
        for _ in range(40):
            page.keyboard.press("Tab")
            focus = page.evaluate(FOCUS_JS)
            if focus["tag"] == "body":
                break
            if not focus["ring"] or not focus["inView"]:
                unseen.append(focus)
        assert unseen == [], f"focus not visible on {path}"
    visitor.open(LESSON)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    skip = page.locator(".skip").bounding_box()
    assert skip["y"] >= 0 and skip["height"] >= 40                     # shown while focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")                                          # the next stop is inside the page's main part
    assert page.evaluate("document.getElementById('content').contains(document.activeElement)")


FOCUS_JS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 3) || style.boxShadow !== 'none';
  return {tag: el.tagName.toLowerCase(), text: (el.textContent || el.name || '').trim().slice(0, 30), ring,
          inView: box.bottom > 0 && box.top < window.innerHeight && box.width > 0};
}"""


def test_arabic_mirrors_the_layout(new_context, kiosk):
    visitor = Visitor(new_context().new_page(), kiosk)
    visitor.choose_language("ar")
    visitor.create(unique_name("ليلى"))
    page = visitor.page
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
    brand, menu, me = (page.locator(s).bounding_box() for s in (".brand", ".menu", ".me"))
    assert brand["x"] > menu["x"] > me["x"]                                # right to left: brand, menu, log out
    assert brand["x"] + brand["width"] > 1024 - 40                         # the brand sits at the right edge
    english = page.locator(".course-card p[lang=en]").first              # a course not yet translated
    assert english.evaluate("p => getComputedStyle(p).direction") == "ltr"  # keeps its own direction
    visitor.open(LESSON)                                                   # an English lesson inside an Arabic page
    assert page.evaluate("document.querySelector('article.lesson').dir") == "ltr"
    assert page.evaluate("getComputedStyle(document.querySelector('.step-text')).direction") == "ltr"
    next_button = page.locator(".step-nav button[type=submit]").bounding_box()
    assert next_button["x"] < 512                                          # the main action sits at the end: left
    visitor.choose_language("fr")
    brand, me = (page.locator(s).bounding_box() for s in (".brand", ".me"))
    assert page.evaluate("document.documentElement.dir") == "ltr" and brand["x"] < me["x"]
