"""The learner's finish in Chromium: the idle countdown and what counts as activity, answers kept across an
idle logout for their learner only, finding a card without its accents, a second card of the same name,
going on after a finished lesson, the kiosk screen's language, display settings before any card, and a card
without a code opened from "Who is learning?"'s one form, with JavaScript and without."""
import re

import pytest

from tests.browser.pages import LESSON, Visitor, unique_name

pytestmark = pytest.mark.browser
IDLE_SECONDS = 6                                 # IDLE_MINUTES=0.1 in the idle_kiosk fixture
QUIZ = LESSON + "/quiz"
TYPED = "form.quiz input[type=text]"


def test_the_warning_counts_down_without_taking_the_answer_being_typed_and_typing_keeps_the_learner_in(
        new_context, idle_kiosk):
    visitor = Visitor(new_context(viewport={"width": 1024, "height": 500}).new_page(), idle_kiosk)
    page = visitor.page
    visitor.create(unique_name("Inès"))
    visitor.open(QUIZ)
    page.locator(TYPED).first.scroll_into_view_if_needed()          # scrolling is activity: reported
    page.focus(TYPED)                                                # at most every idle/4 seconds, so
    page.wait_for_timeout(IDLE_SECONDS * 1000 / 3)                   # let that report land first
    scrolled = page.evaluate("window.scrollY")
    warning = page.locator("#idle-warning")
    warning.wait_for(state="visible", timeout=IDLE_SECONDS * 1000)
    first = page.inner_text("#idle-clock")
    page.wait_for_function("t => document.getElementById('idle-clock').textContent !== t", arg=first,
                           timeout=2000)                                # a live countdown, not "one minute"
    assert re.fullmatch(r"0:0[0-3]", page.inner_text("#idle-clock"))
    assert page.evaluate("document.activeElement.matches('form.quiz input[type=text]')")   # focus stays
    assert page.evaluate("window.scrollY") == scrolled                  # and the page did not move
    assert page.get_attribute("#idle-say", "aria-live") == "polite"
    assert "0:0" in page.inner_text("#idle-say")                        # told to screen readers, politely
    for letter in "Majuscule":                                           # typing is activity
        page.keyboard.type(letter)
        page.wait_for_timeout(IDLE_SECONDS * 1000 / 8)
    warning.wait_for(state="hidden", timeout=2000)
    assert page.input_value(TYPED) == "Majuscule"                        # not one keystroke lost
    assert page.url == idle_kiosk + QUIZ
    visitor.open("/home")
    assert page.url.startswith(idle_kiosk + "/home"), "the server did not count the typing as activity"
    assert visitor.problems == []


def test_answers_being_typed_when_time_runs_out_come_back_to_their_learner_only(new_context, idle_kiosk):
    visitor = Visitor(new_context().new_page(), idle_kiosk)
    page, name = visitor.page, unique_name("Rosa")
    visitor.create(name, pin="2580")
    visitor.open(QUIZ)
    page.locator("form.quiz input[type=radio]").first.check()
    page.fill(TYPED, "Maj")
    with page.expect_navigation(url=idle_kiosk + "/", timeout=(IDLE_SECONDS + 4) * 1000):
        pass                                                             # logged out by the countdown
    visitor.create(unique_name("Next person"))                          # the next person, same screen
    visitor.open(QUIZ)
    assert page.input_value(TYPED) == "" and page.locator("#draft-restored").is_hidden()
    assert page.locator("form.quiz input:checked").count() == 0
    visitor.log_out()
    page.click(f'.people a.card:has-text("{name}")')
    page.fill("#pin", "2580")
    visitor.submit("main form button[type=submit]")
    visitor.open(QUIZ)
    assert page.input_value(TYPED) == "Maj"
    assert page.locator("form.quiz input[type=radio]").first.is_checked()
    assert page.locator("#draft-restored").is_visible()
    assert visitor.problems == []


def test_helene_finds_her_card_typed_without_accents(new_context, kiosk):
    visitor = Visitor(new_context().new_page(), kiosk)
    page, name = visitor.page, unique_name("Hélène")
    visitor.create(name)
    visitor.log_out()
    page.fill("#find", name.replace("é", "e").replace("H", "h"))
    visitor.submit(".search-form button")
    assert page.locator(".people .card", has_text=name).count() == 1
    assert visitor.problems == []


def test_a_second_eliane_is_asked_whether_the_first_card_is_hers(new_context, kiosk):
    visitor = Visitor(new_context().new_page(), kiosk)
    page, name = visitor.page, unique_name("Éliane")
    visitor.create(name)
    visitor.log_out()
    visitor.open("/new")
    page.fill("#name", name.lower().replace("é", "e"))
    visitor.submit("main form.stack button[type=submit]")
    notice = page.locator(".same-name")
    assert notice.is_visible() and notice.locator(".card", has_text=name).count() == 1
    assert page.locator(".me").count() == 0                              # nothing created yet
    visitor.submit("main form.stack button[type=submit]")                # "No, it is not me"
    assert page.url.startswith(kiosk + "/home")
    assert visitor.problems == []


def test_continue_after_a_finished_lesson_opens_the_next_lesson(new_context, kiosk):
    visitor = Visitor(new_context().new_page(), kiosk)
    visitor.create(unique_name("Gil"))
    visitor.open(QUIZ)
    visitor.answer_quiz()
    visitor.open("/home")
    assert visitor.page.get_attribute(".resume a.button", "href").endswith("/the-keyboard")


def test_the_kiosk_screen_greets_in_french_though_its_browser_says_en_gb(new_context, kiosk):
    visitor = Visitor(new_context(locale="en-GB").new_page(), kiosk)
    page = visitor.page
    visitor.open("/")
    assert page.get_attribute("html", "lang") == "fr"
    page.click(".first-prefs summary")
    visitor.submit('.first-prefs button[value="ar"]')                    # the switcher, in native names
    assert page.get_attribute("html", "lang") == "ar" and page.get_attribute("html", "dir") == "rtl"
    assert visitor.problems == []


def test_text_size_and_contrast_chosen_before_a_card_follow_the_new_card(new_context, kiosk):
    visitor = Visitor(new_context().new_page(), kiosk)
    page = visitor.page
    visitor.open("/")
    page.click(".first-prefs summary")
    page.check('.first-prefs input[name=text_size][value="200"]')
    page.check(".first-prefs input[name=contrast]")
    visitor.submit(".first-prefs form.stack button[type=submit]")
    assert page.get_attribute("html", "class") == "text-200 contrast"
    visitor.open("/new")
    assert page.get_attribute("html", "class") == "text-200 contrast"   # on every first screen
    visitor.create(unique_name("Awa"))
    visitor.open("/preferences")
    assert page.is_checked('input[name=text_size][value="200"]') and page.is_checked("input[name=contrast]")
    assert visitor.problems == []


@pytest.mark.parametrize("script", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_a_card_without_a_code_opens_from_its_button_through_the_screen_s_one_form(new_context, kiosk, script):
    visitor = Visitor(new_context(java_script_enabled=script).new_page(), kiosk)
    page, names = visitor.page, [unique_name("Awa"), unique_name("Binta")]
    for name in names:
        visitor.create(name)
        visitor.log_out()
    assert page.url == kiosk + "/"
    buttons = page.locator(".people button.card")
    assert buttons.count() >= 2 and page.locator(".people form").count() == 0
    assert page.locator("form#pick-card input[name=csrf_token]").count() == 1     # one token for every card
    visitor.submit(f'.people button.card:has-text("{names[0]}")')
    assert page.url.startswith(kiosk + "/home")
    assert page.inner_text(".who-am-i") == names[0]
    assert visitor.problems == []
