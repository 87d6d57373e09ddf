"""Read-aloud: the lesson's recording when it ships one, else the browser's voice for the text's language,
else no "Listen" button at all. Headless Chromium has no voices, so the tests give it some (or none)."""
import pytest

from tests.browser.pages import AUDIO_LESSON, LESSON, Visitor, axe_violations, small_targets, unique_name

pytestmark = pytest.mark.browser

FAKE_SPEECH = """voices => {
  window.spoken = [];
  window.fakeVoices = voices;
  Object.defineProperty(speechSynthesis, 'getVoices', {value: () => window.fakeVoices});
  Object.defineProperty(speechSynthesis, 'speaking', {get: () => false});
  speechSynthesis.speak = u => window.spoken.push({text: u.text, lang: u.lang});
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
}"""
NO_SPEECH = "Object.defineProperty(window, 'speechSynthesis', {value: undefined});"


def french_learner(new_context, kiosk, init_script: str = "", read_aloud: bool = True) -> Visitor:
    context = new_context()
    if init_script:
        context.add_init_script(init_script)
    visitor = Visitor(context.new_page(), kiosk)
    visitor.choose_language("fr")
    visitor.create(unique_name("Lucie"))
    if not read_aloud:
        visitor.set_prefs(read_aloud=False)
    return visitor


def with_voices(*langs: str) -> str:
    voices = ", ".join(f"{{lang: '{lang}', name: 'Voice {lang}'}}" for lang in langs)
    return f"({FAKE_SPEECH})([{voices}]);"


def test_no_listen_button_without_speech_synthesis(new_context, kiosk):
    visitor = french_learner(new_context, kiosk, NO_SPEECH)
    visitor.open(LESSON)
    assert visitor.page.locator(".listen [data-speak]").is_hidden()
    visitor.open(LESSON + "/quiz")
    assert visitor.page.locator("[data-speak]:visible").count() == 0
    assert visitor.problems == []


def test_no_listen_button_when_no_voice_speaks_the_lessons_language(new_context, kiosk):
    visitor = french_learner(new_context, kiosk, with_voices("de-DE", "en-GB"))
    visitor.open(LESSON)                                             # a French lesson
    assert visitor.page.locator(".listen [data-speak]").is_hidden()


def test_no_listen_button_in_headless_chromium_which_has_no_voices(new_context, kiosk):
    visitor = french_learner(new_context, kiosk)
    visitor.open(LESSON)
    assert visitor.page.evaluate("speechSynthesis.getVoices().length") == 0
    assert visitor.page.locator(".listen [data-speak]").is_hidden()


def test_the_listen_button_reads_the_step_with_a_voice_of_its_language(new_context, kiosk):
    visitor = french_learner(new_context, kiosk, with_voices("en-GB", "fr-FR"))
    page = visitor.page
    visitor.open(LESSON)
    button = page.locator(".listen [data-speak]")
    assert button.is_visible() and small_targets(page) == [] and axe_violations(page) == []
    button.click()
    spoken = page.evaluate("window.spoken")
    assert len(spoken) == 1 and spoken[0]["lang"] == "fr-FR"
    assert spoken[0]["text"].strip().startswith(page.inner_text("#step-text").strip()[:40])
    visitor.open(LESSON + "/quiz")                                   # one button per question
    assert page.locator("[data-speak]:visible").count() == page.locator("fieldset.question").count()
    page.locator("#q0 [data-speak]").click()
    assert page.evaluate("window.spoken[0].text") == page.inner_text("#q0-text")
    assert visitor.problems == []


def test_voices_that_arrive_late_still_show_the_button(new_context, kiosk):
    visitor = french_learner(new_context, kiosk, with_voices())
    page = visitor.page
    visitor.open(LESSON)
    assert page.locator(".listen [data-speak]").is_hidden()
    page.evaluate("window.fakeVoices = [{lang: 'fr_FR', name: 'Late'}]; speechSynthesis.onvoiceschanged()")
    assert page.locator(".listen [data-speak]").is_visible()


def test_a_lesson_with_a_recording_offers_the_recording_instead(new_context, kiosk):
    visitor = french_learner(new_context, kiosk, with_voices("fr-FR"))
    page = visitor.page
    visitor.open(AUDIO_LESSON)
    audio = page.locator(".listen audio[controls]")
    assert audio.is_visible() and page.locator("[data-speak]").count() == 0
    source = audio.get_attribute("src")
    assert source.split("?")[0].endswith("/02-the-keyboard.fr.wav")            # the French recording
    response = page.request.get(visitor.base + source)
    assert response.ok and response.headers["content-type"] in ("audio/wav", "audio/x-wav")
    assert page.evaluate("document.querySelector('.listen audio').canPlayType('audio/wav')") != ""
    assert small_targets(page) == [] and axe_violations(page) == []


def test_read_aloud_switched_off_shows_neither(new_context, kiosk):
    visitor = french_learner(new_context, kiosk, with_voices("fr-FR"), read_aloud=False)
    for path in (LESSON, AUDIO_LESSON, LESSON + "/quiz"):
        visitor.open(path)
        assert visitor.page.locator(".listen, [data-speak]").count() == 0
