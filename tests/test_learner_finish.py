"""The learner's finish, through real forms: finding a card among hundreds, a second card of the same name,
pictures that differ, going on after a finished lesson, the first screen's language and display, the
secret-code screen's hints, and the idle countdown the page is given."""
from __future__ import annotations

import re
import time
import uuid as uuids

from kiosk import learners as cards
from kiosk.db import database
from kiosk.models import Learner
from tests.conftest import CSRF

PHONE = {"REMOTE_ADDR": "192.168.4.20"}          # a learner's phone on the kiosk's Wi-Fi


def names_on(page: str) -> list[str]:
    return re.findall(r'class="card"[^>]*>.*?<span>([^<]*)</span>', page, re.DOTALL)


def add_cards(names, start: float = 1_000_000.0) -> None:
    """Cards made straight in the database (a kiosk that has served for years), oldest first."""
    with database.connection_context():
        Learner.insert_many([{"uuid": str(uuids.uuid4()), "name": name, "picture": "sun", "pin_hash": None,
                              "prefs": {}, "created_at": start + i, "last_active": start + i}
                             for i, name in enumerate(names)]).execute()


def test_names_are_folded_without_accents_or_case():
    assert cards.fold("Hélène") == cards.fold("HELENE") == "helene"
    assert cards.fold("  Éliane   Ndiaye ") == "eliane ndiaye"
    assert cards.fold("ليلى") == "ليلى"


def test_helene_finds_helene_with_its_accents(client, learners):
    add_cards(["Hélène", "Héloïse", "Chloé", "ÉLIANE"])
    assert names_on(client.get("/?find=helene").get_data(as_text=True)) == ["Hélène"]
    assert names_on(client.get("/?find=HEL").get_data(as_text=True)) == ["Héloïse", "Hélène"]
    assert names_on(client.get("/?find=eliane").get_data(as_text=True)) == ["ÉLIANE"]
    assert names_on(client.get("/?find=zoé").get_data(as_text=True)) == []


def test_a_second_eliane_is_asked_whether_she_is_the_first(client, learners):
    learners.create("Éliane", "tree")
    learners.logout()
    page = learners.create("eliane", "tree")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="confirm_new" value="1"' in text
    assert "Éliane" in text and 'class="notice same-name"' in text            # "is it you?" with her card
    with database.connection_context():
        assert Learner.select().count() == 1                                # nothing created silently
    token = CSRF.search(page.data).group(1).decode()
    made = learners.client.post("/new", data={"csrf_token": token, "name": "eliane", "picture": "cat",
                                              "confirm_new": "1"})
    assert made.status_code == 302
    with database.connection_context():
        assert sorted(le.name for le in Learner.select()) == ["eliane", "Éliane"]


def test_new_cards_start_with_the_picture_fewest_cards_have(client, learners):
    chosen = []
    for name in ("Awa", "Bilal", "Chen"):
        form = client.get("/new").get_data(as_text=True)
        picture = re.search(r'name="picture" value="(\w+)" checked', form).group(1)
        chosen.append(picture)
        learners.create(name, picture)
        learners.logout()
    assert len(set(chosen)) == 3 and chosen[0] == cards.PICTURES[0]


def test_with_500_cards_the_first_screen_shows_the_recent_ones_and_pages_on(client, learners, capsys):
    add_cards([f"Personne {i}" for i in range(499)] + ["Zoé"])
    started = time.perf_counter()
    first = client.get("/", headers={"Accept-Encoding": "gzip"})
    took = time.perf_counter() - started
    page = client.get("/").get_data(as_text=True)
    shown = names_on(page)
    assert shown[0] == "Zoé" and len(shown) == 48                            # most recently active first
    assert 'href="/?page=2"' in page
    second = names_on(client.get("/?page=2").get_data(as_text=True))
    assert second[0] == "Personne 451" and not set(second) & set(shown)
    last = names_on(client.get("/?page=11").get_data(as_text=True))
    assert len(last) == 20 and last[-1] == "Personne 0"
    assert names_on(client.get("/?find=personne 123").get_data(as_text=True)) == ["Personne 123"]
    with capsys.disabled():
        print(f"\nwho.html with 500 cards: {len(page.encode())} bytes, {len(first.data)} gzipped, "
              f"rendered in {took * 1000:.0f} ms")


def test_after_a_finished_lesson_continue_opens_the_next_one(client, learners):
    learners.create("Gil", "bike")
    learners.post("/courses/basics/the-mouse/step", {"step": "2"}, token_from="/courses/basics/the-mouse")
    learners.post("/courses/basics/the-mouse/quiz", {"q0": "1", "q1": "false", "q2": "Maj"},
                  token_from="/courses/basics/the-mouse/quiz")
    home = client.get("/home").get_data(as_text=True)
    resume = home[home.index('class="resume"'):]
    assert 'href="/courses/basics/reading"' in resume and "the-mouse" not in resume


def test_passing_the_last_quiz_of_a_course_says_it_is_complete_and_how_to_get_the_certificate(client, learners):
    learners.create("Ana", "moon")
    learners.post("/courses/basics/reading/step", {"step": "2"}, token_from="/courses/basics/reading")
    answered = learners.post("/courses/basics/the-mouse/quiz", {"q0": "1", "q1": "false", "q2": "Maj"},
                             token_from="/courses/basics/the-mouse/quiz")
    result = client.get(answered.headers["Location"]).get_data(as_text=True)
    assert 'class="course-complete notice"' in result
    assert 'action="/courses/basics/certificate"' in result                 # "Get my certificate", right there
    certificate = learners.post("/courses/basics/certificate", token_from=answered.headers["Location"])
    assert certificate.status_code == 302
    again = client.get(answered.headers["Location"]).get_data(as_text=True)
    assert 'href="/certificates/' in again


def test_a_failed_quiz_does_not_say_the_course_is_complete(client, learners):
    learners.create("Ana", "moon")
    learners.post("/courses/basics/reading/step", {"step": "2"}, token_from="/courses/basics/reading")
    answered = learners.post("/courses/basics/the-mouse/quiz", {"q0": "0", "q1": "true", "q2": "Ctrl"},
                             token_from="/courses/basics/the-mouse/quiz")
    assert "course-complete" not in client.get(answered.headers["Location"]).get_data(as_text=True)


def test_the_kiosks_own_screen_greets_in_the_kiosks_language_and_a_phone_in_its_own(client, learners):
    kiosk_screen = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="fr" dir="ltr"' in kiosk_screen
    phone = client.get("/", headers={"Accept-Language": "ar"}, environ_base=PHONE).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl"' in phone
    learners.post("/language", {"language": "en"})                         # a choice on the screen wins
    assert '<html lang="en"' in client.get("/", headers={"Accept-Language": "ar"}).get_data(as_text=True)


def test_an_empty_kiosk_screen_setting_lets_every_browser_choose(make_app, content_dir):
    client = make_app(content_dir, KIOSK_SCREEN="").test_client()
    assert '<html lang="en"' in client.get("/", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)


def test_text_size_and_contrast_chosen_before_a_card_follow_the_new_card(client, learners):
    learners.post("/display", {"text_size": "200", "contrast": "1", "next": "/new"})
    page = client.get("/new").get_data(as_text=True)
    assert re.search(r'<html [^>]*class="text-200 contrast"', page)
    learners.create("Rosa", "cat")
    with database.connection_context():
        prefs = Learner.get(Learner.name == "Rosa").prefs
    assert prefs["text_size"] == 200 and prefs["contrast"] is True
    learners.logout()
    assert 'class="text-100"' in client.get("/").get_data(as_text=True)    # the next person starts afresh


def test_an_existing_cards_own_settings_win_after_login(client, learners):
    learners.create("Omar", "fish")
    learners.logout()
    learners.post("/display", {"text_size": "150"})
    assert 'class="text-150"' in client.get("/").get_data(as_text=True)
    learners.pick(_uuid("Omar"))
    assert 'class="text-100"' in client.get("/home").get_data(as_text=True)


def _uuid(name: str) -> str:
    with database.connection_context():
        return Learner.get(Learner.name == name).uuid


def test_the_display_form_refuses_sizes_the_kiosk_does_not_offer(client, learners):
    learners.post("/display", {"text_size": "900", "contrast": "yes"})
    assert 'class="text-100"' in client.get("/").get_data(as_text=True)


def test_the_secret_code_screen_says_what_to_do_when_the_code_is_forgotten_and_tries_left(client, learners):
    learners.create("Chloé", "tree", pin="2580")
    learners.logout()
    uuid = _uuid("Chloé")
    assert "facilitat" in client.get(f"/learner/{uuid}").get_data(as_text=True)       # ask a facilitator
    wrong = learners.pick(uuid, "0000").get_data(as_text=True)
    assert "4 fois" in wrong or "4 more times" in wrong
    for _ in range(3):
        learners.pick(uuid, "0000")
    fifth = learners.pick(uuid, "0000")
    assert fifth.status_code == 429


def test_the_page_counts_down_from_the_seconds_the_server_has_left(client, learners):
    learners.create("Inès", "star")
    page = client.get("/home").get_data(as_text=True)
    left = int(re.search(r'data-idle-left="(\d+)"', page).group(1))
    assert 590 <= left <= 600                                           # IDLE_MINUTES is 10
    with database.connection_context():                                 # 100 seconds without activity
        database.execute_sql("UPDATE learner_session SET last_seen = last_seen - 100")
    page = client.get("/home").get_data(as_text=True)
    assert int(re.search(r'data-idle-left="(\d+)"', page).group(1)) >= 590   # this request was activity
    token = CSRF.search(page.encode()).group(1).decode()
    answer = client.post("/still-here", data={"csrf_token": token}, headers={"Accept": "application/json"})
    assert answer.json["ok"] is True and 590 <= answer.json["left"] <= 600
