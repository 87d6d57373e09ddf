"""A person's steps at the kiosk in a real browser, the tour of every learner page, and what is checked there."""
from __future__ import annotations

import itertools
from pathlib import Path

from tests.conftest import ROOT

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
COURSE = "/courses/first-digital-steps"
LESSON = f"{COURSE}/the-mouse"
AUDIO_LESSON = f"{COURSE}/the-keyboard"         # ships a recorded reading (see the kiosk_content fixture)
SEARCH_WORD = {"fr": "souris", "en": "mouse", "ar": "mouse"}
_names = itertools.count(1)


def unique_name(prefix: str) -> str:
    return f"{prefix} {next(_names)}"


class Visitor:
    """A person at the kiosk, using only the real pages and forms; selectors do not depend on the language."""

    def __init__(self, page, base: str):
        self.page, self.base = page, base
        self.problems: list[str] = []    # server and script errors, CSP refusals, requests leaving the kiosk
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("console", self._console)
        page.on("request", self._request)
        page.on("response", lambda r: r.status >= 500 and self.problems.append(f"server error {r.status}: {r.url}"))

    def _console(self, message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console: {message.text}")       # e.g. "Refused to apply inline style"

    def _request(self, request) -> None:
        if not request.url.startswith((self.base + "/", "data:")):
            self.problems.append(f"request leaving the kiosk: {request.url}")

    def open(self, path: str = "/"):
        return self.page.goto(self.base + path)

    def submit(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.click(selector)

    def choose_language(self, code: str) -> None:
        if not self.page.url.startswith(self.base):
            self.open("/")
        self.submit(f'.lang-form button[value="{code}"]')

    def create(self, name: str, picture: str = "sun", pin: str = "") -> None:
        self.open("/new")
        self.page.fill("#name", name)
        self.page.check(f'input[name=picture][value="{picture}"]')
        if pin:
            self.page.fill("#pin", pin)
            self.page.fill("#pin_confirm", pin)
        self.submit("main form button[type=submit]")

    def set_prefs(self, text_size: int = 100, contrast: bool = False, read_aloud: bool = True) -> None:
        self.open("/preferences")
        self.page.check(f'input[name=text_size][value="{text_size}"]')
        for name, on in (("contrast", contrast), ("read_aloud", read_aloud)):
            self.page.set_checked(f'input[name={name}]', on)
        self.submit("main form button[type=submit]")

    def log_out(self) -> None:
        self.submit(".me button[type=submit]")

    def answer_quiz(self) -> None:
        """Give an answer to every question: the first choice, or a word."""
        for question in self.page.query_selector_all("fieldset.question"):
            choice = question.query_selector("input[type=radio], input[type=checkbox]")
            if choice:
                choice.check()
            else:
                question.query_selector("input[type=text]").fill("Maj")
        self.submit("form.quiz button[type=submit]")

    def screenshot(self, name: str, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


def learner_tour(v: Visitor, lang: str, text_size: int = 100, contrast: bool = False, logged_out: bool = True):
    """Visit every kind of learner page in a useful state; yields the page's name once it is shown.

    The pages before login do not depend on the learner's display settings: `logged_out=False` skips them.
    """
    name = unique_name({"ar": "ليلى", "fr": "Awa", "en": "Joan"}[lang])
    v.open("/")
    v.choose_language(lang)
    if logged_out:
        v.open("/new")
        yield "new"
        v.submit("main form button[type=submit]")           # no name: the form explains what is missing
        assert v.page.locator(".error-summary a[href='#name']").count() == 1
        yield "new-errors"
    v.create(name, "flower", pin="2580")
    if logged_out:
        v.log_out()
        yield "who"
        v.page.click(f'.people a.card:has-text("{name}")')
        v.page.fill("#pin", "1111")
        v.submit("main form button[type=submit]")
        assert v.page.locator("#pin[aria-invalid=true]").count() == 1
        yield "pin-error"
        v.page.fill("#pin", "2580")
        v.submit("main form button[type=submit]")
    v.set_prefs(text_size, contrast)
    yield "preferences"
    v.open("/courses")
    yield "catalogue"
    v.open(COURSE)
    yield "course"
    v.open(LESSON)
    yield "lesson-first"
    v.submit(".step-nav form button[type=submit]")
    assert "step=1" in v.page.url
    yield "lesson-middle"
    v.open("/home")
    assert v.page.locator(".resume a.button").count() == 1             # "Continue where you left off"
    yield "home"
    v.open(f"/search?q={SEARCH_WORD[lang]}")
    assert v.page.locator(".hits li").count() >= 1
    yield "search"
    v.open(LESSON + "/quiz")
    v.submit("form.quiz button[type=submit]")              # nothing answered: every question is marked
    assert v.page.locator("fieldset.question.invalid").count() >= 4
    yield "quiz-errors"
    v.answer_quiz()
    assert v.page.locator(".score").count() == 1
    yield "result"
    assert v.open("/no-such-page").status == 404
    yield "404"


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.2 A/AA (and best-practice) violations on the page, one readable line per node."""
    from axe_playwright_python.base import AXE_SCRIPT

    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    result = page.evaluate("opts => axe.run(document, opts)",
                           {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {', '.join(map(str, n['target']))}: {n.get('failureSummary', '')[:200]}"
            for v in result["violations"] for n in v["nodes"]]


SMALL_TARGETS_JS = """min => {
  const small = [];
  const seen = new Set();
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary, audio[controls]')) {
    if (el.type === 'hidden' || el.closest('[hidden]')) continue;
    if (el.closest('.step-text p, .step-text li, .step-text td')) continue;   // inline links in prose (2.5.8)
    let target = el;
    if ((el.type === 'radio' || el.type === 'checkbox') && el.closest('label')) target = el.closest('label');
    if (seen.has(target)) continue;
    seen.add(target);
    const style = getComputedStyle(target);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    if (el.classList.contains('skip')) continue;                              // off screen until focused
    const box = target.getBoundingClientRect();
    if (box.width < min || box.height < min) {
      small.push(`${target.tagName.toLowerCase()}${target.id ? '#' + target.id : ''}.${target.className} "${(target.textContent || target.value || '').trim().slice(0, 30)}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""


def small_targets(page, minimum: int = 48) -> list[str]:
    """Controls smaller than minimum × minimum CSS pixels (radios and boxes count with their label)."""
    return page.evaluate(SMALL_TARGETS_JS, minimum)
