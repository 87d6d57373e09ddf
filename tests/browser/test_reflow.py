"""Every page of the kiosk reflows on a phone: 320 and 390 px wide, at 100 % and 200 % text (WCAG 1.4.10).

Nothing may scroll sideways, and nothing may stick out of the screen, except inside a region that scrolls
on its own and takes keyboard focus (a code block, a table). The learner's 200 % is the kiosk's own
largest text setting; on pages without a learner the root font size is doubled, as a browser's text zoom
does. One kiosk (demo courses plus the code-heavy and figures fixtures), one sign-in of each kind, then
pages by direct address.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from tests.browser.conftest import kiosk_config
from tests.browser.pages import Visitor, unique_name
from tests.browser.server import ChildKiosk
from tests.conftest import DEMO_CONTENT, ROOT

pytestmark = pytest.mark.browser

FIXTURES = ROOT / "tests" / "fixtures" / "dialects"
PASSWORD = "correct horse battery"
DOUBLE_TEXT = "html{font-size:225%!important}"       # twice the kiosk's own 112.5 %
# Every GET page a person opens, by route; {names} are filled from what the set-up made.
ANONYMOUS = {"/": "/", "/new": "/new", "/learner/<uuid>": "/learner/{uuid}",
             "/facilitator/login": "/facilitator/login", "/facilitator/setup": "/facilitator/setup?code=x",
             "(not found)": "/no-such-page"}
LEARNER = {"/home": "/home", "/courses": "/courses", "/courses/<course_id>": "/courses/code-heavy",
           "/courses/<course_id>/<slug>": ["/courses/code-heavy/commands?step=0",
                                           "/courses/code-heavy/commands?step=1",
                                           "/courses/figures-captions/pictures-and-tables?step=0",
                                           "/courses/figures-captions/pictures-and-tables?step=1",
                                           "/courses/first-digital-steps/the-mouse?step=1"],
           "/courses/<course_id>/<slug>/quiz": "/courses/first-digital-steps/the-mouse/quiz",
           "/attempts/<attempt_id>": "{attempt}", "/search": "/search?q=souris",
           "/preferences": "/preferences", "/certificates/<code>": "{certificate}"}
FACILITATOR = {"/facilitator/": "/facilitator/", "/facilitator/dashboard": "/facilitator/dashboard",
               "/facilitator/learners": "/facilitator/learners",
               "/facilitator/learners/<uuid>": "/facilitator/learners/{uuid}",
               "/facilitator/groups": "/facilitator/groups",
               "/facilitator/groups/<int:group_id>": "{group}",
               "/facilitator/groups/<int:group_id>/attendance": "{group}/attendance",
               "/facilitator/groups/<int:group_id>/report": "{group}/report",
               "/facilitator/packs/": "/facilitator/packs/", "/facilitator/selftest": "/facilitator/selftest",
               "/facilitator/settings": "/facilitator/settings", "/facilitator/sync/": "/facilitator/sync/",
               "/facilitator/sync/receipt": "/facilitator/sync/receipt",
               "/facilitator/updates/": "/facilitator/updates/", "/facilitator/activity": "/facilitator/activity",
               "/facilitator/backups/": "/facilitator/backups/",
               "/facilitator/narration/": "/facilitator/narration/"}
NOT_PAGES = {"/healthz", "/-/settings.json", "/media/<path:path>", "/media-cache/<name>", "/narration/<name>",
             "/facilitator/export/progress.csv", "/facilitator/learners/<uuid>/export.json",
             "/static/<path:filename>", "/certificates/centre-logo.png",
             "/facilitator/backups/<name>", "/certificates/<code>/badge.json"}
ROUTES = ("import json, sys; from kiosk.app import create_app; app = create_app(json.loads(sys.argv[1])); "
          "print(json.dumps([r.rule for r in app.url_map.iter_rules() if 'GET' in r.methods]))")

# Reports the page's own overflow and every visible element that sticks out of the screen, except
# inside a focusable, labelled region that scrolls on its own; such a region must be one of those.
OVERFLOW_JS = """() => {
  const width = window.innerWidth, wide = [];
  const path = el => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      let part = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '');
      if (e.classList.length) part += '.' + [...e.classList].join('.');
      parts.unshift(part);
    }
    return parts.join(' > ');
  };
  const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const region = el => el.tabIndex === 0 && (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'))
                       && (el.matches('pre') || el.matches('.table-scroll'));
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('[hidden], .visually-hidden, .skip, script') || el.parentElement.closest('svg')) continue;
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    if (scrolls(el) && el.scrollWidth > el.clientWidth + 1) {
      if (!region(el)) wide.push([el, 'scrolls sideways but is not a labelled, focusable region']);
      continue;
    }
    let inside = false;
    for (let a = el.parentElement; a && a !== document.body && !inside; a = a.parentElement)
      inside = scrolls(a) && region(a);
    const right = Math.max(box.right, box.left + (el.matches('input, select, textarea') ? 0 : el.scrollWidth));  // its text
    if (!inside && (right > width + 1 || box.left < -1))
      wide.push([el, `reaches ${Math.round(box.left)}..${Math.round(right)} px`]);
  }
  // The deepest offenders name the cause; their ancestors only follow them.
  const found = wide.filter(([el]) => !wide.some(([other]) => other !== el && el.contains(other)))
                    .map(([el, what]) => `${path(el)} ${what}`);
  if (document.documentElement.scrollWidth > width)
    found.unshift(`the page is ${document.documentElement.scrollWidth} px wide`);
  return found.slice(0, 6);
}"""


@pytest.fixture(scope="module")
def reflow_kiosk(browser, tmp_path_factory):
    content = tmp_path_factory.mktemp("reflow-content") / "content"
    shutil.copytree(DEMO_CONTENT, content)
    for folder in ("code-heavy", "figures-captions"):
        shutil.copytree(FIXTURES / folder, content / folder)
    server = ChildKiosk(kiosk_config(content, tmp_path_factory.mktemp("reflow-data")))
    yield server.base
    server.stop()


@pytest.fixture(scope="module")
def people(browser, reflow_kiosk):
    """One learner who finished a course and took a quiz, one facilitator with a group: their cookies."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    learner = Visitor(context.new_page(), reflow_kiosk)
    learner.open("/new")
    learner.page.fill("#name", unique_name("Marie-Thérèse Delacroix-Beaumont"))
    for field in ("#pin", "#pin_confirm"):
        learner.page.fill(field, "2580")
    learner.submit("main form:has(#name) button[type=submit]")
    found = {"uuid": re.search(r"/learner/([\w-]+)", _card_link(learner)).group(1)}
    for step in (0, 1):
        learner.open(f"/courses/code-heavy/commands?step={step}")
        learner.submit(".step-nav form button[type=submit]")
    learner.open("/courses/code-heavy")
    learner.submit("form[action$='/certificate'] button[type=submit]")
    found["certificate"] = learner.page.url.removeprefix(reflow_kiosk)
    learner.open("/courses/first-digital-steps/the-mouse/quiz")
    learner.answer_quiz()
    found["attempt"] = learner.page.url.removeprefix(reflow_kiosk)
    learner_state = context.storage_state()
    context.clear_cookies()
    facilitator = Visitor(context.new_page(), reflow_kiosk)
    facilitator.open("/facilitator/setup")
    for field, value in (("name", "Jean-Baptiste Nkurunziza"), ("password", PASSWORD),
                         ("password_confirm", PASSWORD)):
        facilitator.page.fill(f"#{field}", value)
    facilitator.submit("main form:has(#name) button[type=submit]")
    facilitator.open("/facilitator/groups")
    facilitator.page.fill("#group-name", "Atelier du mardi après-midi à la médiathèque")
    facilitator.submit("main form:has(#group-name) button[type=submit]")
    found["group"] = facilitator.page.url.removeprefix(reflow_kiosk)
    for box in facilitator.page.query_selector_all("main form input[type=checkbox]"):
        box.check()
    facilitator.submit("main form.stack button[type=submit]")
    found.update(learner=learner_state, facilitator=context.storage_state())
    problems = learner.problems + facilitator.problems
    context.close()
    assert problems == []
    return found


def _card_link(learner: Visitor) -> str:
    learner.log_out()
    link = learner.page.locator(".people a.card").last.get_attribute("href")
    learner.page.click(".people a.card >> nth=-1")
    learner.page.fill("#pin", "2580")
    learner.submit("main form:has(#pin) button[type=submit]")
    return link


def addresses(routes: dict, found: dict) -> list[str]:
    out = []
    for value in routes.values():
        out += [v.format(**found) for v in ([value] if isinstance(value, str) else value)]
    return out


def test_the_sweep_names_every_page_a_person_can_open(tmp_path):
    # In a child process: a kiosk built here would take over the database the shared browser kiosk uses.
    pages = set(json.loads(subprocess.run([sys.executable, "-c", ROUTES, json.dumps(kiosk_config(
        DEMO_CONTENT, tmp_path))], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60).stdout))
    assert pages - NOT_PAGES == (set(ANONYMOUS) | set(LEARNER) | set(FACILITATOR)) - {"(not found)"}


@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize("text_size", [100, 200])
def test_no_page_scrolls_sideways_on_a_phone_at_any_text_size(browser, reflow_kiosk, people, width, text_size):
    found = {}
    for who, routes in (("anonymous", ANONYMOUS), ("learner", LEARNER), ("facilitator", FACILITATOR)):
        context = browser.new_context(viewport={"width": width, "height": 700}, bypass_csp=True,
                                      storage_state=people.get(who))
        context.set_default_timeout(10_000)
        visitor = Visitor(context.new_page(), reflow_kiosk)
        if who == "learner":                                     # the kiosk's own largest text
            visitor.open("/preferences")
            visitor.page.check(f"input[name=text_size][value='{text_size}']")
            visitor.submit("form:has(input[name=text_size]) button[type=submit]")
        for address in addresses(routes, people):
            visitor.open(address)
            if text_size == 200 and who != "learner":
                visitor.page.add_style_tag(content=DOUBLE_TEXT)
            assert visitor.page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") \
                == 18 * text_size / 100, address
            if wide := visitor.page.evaluate(OVERFLOW_JS):
                found[f"{who} {address}"] = wide
        if visitor.problems:
            found[f"{who}: errors"] = visitor.problems
        context.close()
    assert not found, "\n".join(f"{page}:\n  " + "\n  ".join(lines) for page, lines in found.items())
