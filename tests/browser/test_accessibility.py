"""WCAG 2.2 AA on every learner page, in French, English and Arabic, at every text size and in high contrast."""
import pytest

from tests.browser.pages import Visitor, axe_violations, learner_tour

pytestmark = pytest.mark.browser

MODES = {"100": (100, False), "200": (200, False), "contrast": (150, True)}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_every_learner_page_has_no_axe_violation(new_context, kiosk, lang, mode):
    text_size, contrast = MODES[mode]
    visitor = Visitor(new_context().new_page(), kiosk)
    found = {}
    for page_name in learner_tour(visitor, lang, text_size, contrast, logged_out=mode == "100"):
        problems = axe_violations(visitor.page)
        if problems:
            found[page_name] = problems
    report = "\n".join(f"{name}: {line}" for name, lines in found.items() for line in lines)
    assert not found, f"axe found problems ({lang}, {mode}):\n{report}"
