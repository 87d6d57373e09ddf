"""Lessons in other dialects, in Chromium: boxes intact, code readable at 320 px and 200 % text, axe clean.

Nothing may scroll sideways except a code block, which takes keyboard focus and carries a visible label,
or a table in its own labelled region that takes focus too (WCAG 1.4.10 reflow, 2.1.1 keyboard). The kiosk runs in its own process on the dialect fixtures.
"""
from __future__ import annotations

import shutil

import pytest

from tests.browser.conftest import kiosk_config
from tests.browser.pages import Visitor, axe_violations, unique_name
from tests.browser.server import ChildKiosk
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

LESSONS = {"/courses/code-heavy/commands": 2, "/courses/pandoc-divs/moving-around": 3,
           "/courses/myst-directives/notes": 2, "/courses/mkdocs-admonitions/admonitions": 1,
           "/courses/kramdown-jekyll/shell": 1, "/courses/figures-captions/pictures-and-tables": 2}
SIDEWAYS_JS = """() => {
  const wide = [];
  if (document.documentElement.scrollWidth > window.innerWidth) wide.push('the page itself');
  for (const el of document.querySelectorAll('main *')) {
    const style = getComputedStyle(el);
    if (el.scrollWidth > el.clientWidth + 1 && ['auto', 'scroll'].includes(style.overflowX)) {
      const label = el.getAttribute('aria-labelledby');
      const code = el.tagName === 'PRE' && label && document.getElementById(label)
                   && document.getElementById(label).offsetHeight > 0;
      const table = el.matches('.table-scroll[role=region]') && el.getAttribute('aria-label');
      const ok = el.tabIndex === 0 && (code || table);
      if (!ok) wide.push(el.tagName + '.' + el.className);
    }
  }
  return wide;
}"""


@pytest.fixture(scope="module")
def dialect_kiosk(browser, tmp_path_factory):
    content = tmp_path_factory.mktemp("dialect-content") / "content"
    shutil.copytree(ROOT / "tests" / "fixtures" / "dialects", content)
    server = ChildKiosk(kiosk_config(content, tmp_path_factory.mktemp("dialect-data")))
    yield server.base
    server.stop()


@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize("text_size", [100, 200])
def test_only_code_blocks_scroll_sideways_on_a_phone_at_any_text_size(new_context, dialect_kiosk, width,
                                                                       text_size):
    visitor = Visitor(new_context(viewport={"width": width, "height": 800}).new_page(), dialect_kiosk)
    visitor.create(unique_name("Code"))
    visitor.set_prefs(text_size)
    found, scrollers = {}, 0
    for lesson, steps in LESSONS.items():
        for step in range(steps):
            assert visitor.open(f"{lesson}?step={step}").status == 200
            found.update({f"{lesson}?step={step}": wide} if (wide := visitor.page.evaluate(SIDEWAYS_JS)) else {})
            scrollers += visitor.page.evaluate("[...document.querySelectorAll('pre, .table-scroll')]"
                                               ".filter(p => p.scrollWidth > p.clientWidth).length")
    assert found == {}
    assert scrollers > 0                       # the long commands do overflow: inside their own block
    assert visitor.problems == []


@pytest.mark.parametrize("contrast", [False, True])
def test_boxes_and_code_pass_axe_and_the_solution_opens_on_demand(new_context, dialect_kiosk, contrast):
    visitor = Visitor(new_context().new_page(), dialect_kiosk)
    visitor.create(unique_name("Boxes"))
    visitor.set_prefs(150 if contrast else 100, contrast)
    page, found = visitor.page, {}
    for lesson, steps in LESSONS.items():
        for step in range(steps):
            assert visitor.open(f"{lesson}?step={step}").status == 200
            found.update({f"{lesson}?step={step}": v} if (v := axe_violations(page)) else {})
    assert found == {}, "\n".join(f"{k}: {line}" for k, lines in found.items() for line in lines)
    visitor.open("/courses/pandoc-divs/moving-around?step=1")
    assert "SECRET-FOR-TRAINERS" not in page.content()
    answer = page.locator("details.solution")
    assert not answer.evaluate("d => d.open") and not page.get_by_text("They are folders.").is_visible()
    answer.locator("summary").click()
    assert page.get_by_text("They are folders.").is_visible()
    page.keyboard.press("Tab")
    for _ in range(30):                        # the code block is reached with the keyboard
        if page.evaluate("document.activeElement.tagName") == "PRE":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "PRE"
    assert visitor.problems == []
