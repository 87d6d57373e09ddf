"""In headless Chromium, which has no speech voices (as on a Raspberry Pi), every step and question of a
demo lesson offers an <audio> made on the kiosk, in French and in English, and each clip plays."""
from __future__ import annotations

import shutil
import time
import urllib.request

import pytest

from tests.browser.conftest import kiosk_config
from tests.browser.pages import Visitor, axe_violations, unique_name
from tests.browser.server import ChildKiosk
from tests.conftest import DEMO_CONTENT

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("opusenc")),
                                 reason="espeak-ng and opus-tools are not installed "
                                        "(apt-get install -y espeak-ng opus-tools)")]

COURSE = "01-first-digital-steps"
LESSON = "/courses/first-digital-steps/the-mouse"
STEPS = 4
DURATION = """async audio => {
  audio.preload = 'metadata';
  if (audio.readyState < 1) {
    await new Promise((done, failed) => {
      audio.addEventListener('loadedmetadata', done, {once: true});
      audio.addEventListener('error', () => failed(new Error('cannot play ' + audio.currentSrc)), {once: true});
      audio.load();
    });
  }
  return audio.duration;
}"""


@pytest.fixture(scope="module")
def narrating_kiosk(browser, tmp_path_factory):
    """A kiosk of its own with one demo lesson, making its clips in the background (in a child process)."""
    content = tmp_path_factory.mktemp("narrated") / "content"
    source = DEMO_CONTENT / COURSE
    (content / COURSE).mkdir(parents=True)
    for path in source.iterdir():
        if path.name.startswith("01-the-mouse") or path.suffix in (".yml", ".svg"):
            shutil.copy(path, content / COURSE / path.name)
    server = ChildKiosk(kiosk_config(content, tmp_path_factory.mktemp("narrated-data"), NARRATION="yes"))
    yield server.base
    server.stop()


def wait_for_clips(visitor: Visitor, paths: list[str], selector: str, holder: str = ".listen") -> None:
    """The clips are made after start-up: come back until every page offers its sounds (or give up)."""
    deadline = time.monotonic() + 180
    for path in paths:
        while True:
            visitor.open(path)
            ready = visitor.page.locator(selector).count()
            if (ready and ready == visitor.page.locator(holder).count()) or time.monotonic() > deadline:
                break
            assert visitor.page.locator("[data-audio-missing]").count() or "quiz" in path
            time.sleep(1)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_step_and_question_of_a_lesson_can_be_heard_without_a_browser_voice(new_context, narrating_kiosk,
                                                                                  lang):
    page = new_context().new_page()
    visitor = Visitor(page, narrating_kiosk)
    visitor.choose_language(lang)
    visitor.create(unique_name("Nour"))
    assert page.evaluate("speechSynthesis.getVoices().length") == 0
    steps = [f"{LESSON}?step={n}" for n in range(STEPS)]
    wait_for_clips(visitor, steps, ".listen audio[controls]")
    for path in steps:
        visitor.open(path)
        audio = page.locator(".listen audio[controls]")
        assert audio.count() == 1 and audio.get_attribute("preload") == "none"
        assert page.locator("article.lesson").get_attribute("lang") == lang
        assert page.locator("[data-audio-missing]").count() == 0
        assert audio.evaluate(DURATION) > 0.5
    assert axe_violations(page) == []
    wait_for_clips(visitor, [LESSON + "/quiz"], "fieldset.question audio[controls]", "fieldset.question")
    questions = page.locator("fieldset.question")
    assert questions.count() == page.locator("fieldset.question audio[controls]").count() > 0
    for i in range(questions.count()):
        assert page.locator(f"#q{i} audio").evaluate(DURATION) > 0.5
    assert axe_violations(page) == [] and visitor.problems == []


def test_a_clip_answers_a_range_request_and_is_kept_a_year(new_context, narrating_kiosk):
    page = new_context().new_page()
    visitor = Visitor(page, narrating_kiosk)
    visitor.create(unique_name("Ali"))
    wait_for_clips(visitor, [LESSON + "?step=0"], ".listen audio[controls]")
    source = page.locator(".listen audio").get_attribute("src")
    request = urllib.request.Request(narrating_kiosk + source, headers={"Range": "bytes=0-3"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 206 and answer.read() == b"OggS"
        assert "immutable" in answer.headers["Cache-Control"] and answer.headers["ETag"]


def test_with_javascript_the_sentence_heard_is_highlighted_and_the_speed_can_change(new_context, narrating_kiosk):
    page = new_context().new_page()
    visitor = Visitor(page, narrating_kiosk)
    visitor.choose_language("en")
    visitor.create(unique_name("Lina"))
    # Both steps' clips made first: a page opened before its clip is ready offers no player yet.
    wait_for_clips(visitor, [LESSON + "?step=1", LESSON + "?step=0"], ".listen audio[controls]")
    page.get_by_role("button", name="Faster").click()
    audio = page.locator("audio[data-step-audio]")
    assert audio.evaluate("a => a.playbackRate") == 1.25
    assert page.get_by_role("button", name="Faster").get_attribute("aria-pressed") == "true"
    duration = audio.evaluate(DURATION)
    audio.evaluate("""(a, at) => new Promise(done => {
      a.addEventListener('timeupdate', done, {once: true}); a.currentTime = at; })""", duration * 0.6)
    assert page.locator("#step-text .reading").count() == 1
    visitor.open(LESSON + "?step=1")
    assert page.locator("audio[data-step-audio]").evaluate("a => a.playbackRate") == 1.25   # kept for the visit
    assert page.get_by_label("Read the next step too").count() == 1 and axe_violations(page) == []


def test_without_javascript_the_player_alone_is_offered(browser, narrating_kiosk):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    visitor = Visitor(page, narrating_kiosk)
    visitor.create(unique_name("Omar"))
    wait_for_clips(visitor, [LESSON + "?step=0"], ".listen audio[controls]")
    assert page.locator("[data-listen-more]").is_hidden() and page.locator(".listen audio[controls]").count() == 1
    context.close()
