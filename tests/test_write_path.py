"""A bad event is never created: every route bounds its input, and the outbox refuses what the hub would."""
import json
from types import SimpleNamespace

import pytest

from kiosk import catalog, certificates, grading, progress
from kiosk import learners as learner_rules
from kiosk.content.quizmodel import MULTIPLE, TEXT, Choice, Question, Quiz
from kiosk.db import database
from kiosk.models import Learner, Progress, QuizAttempt
from sync.client import outbox
from sync.client.outbox import KioskIdentity, OutboxEvent
from sync.wire import checks, protocol
from tests.conftest import SMALL_COURSE, Learners, write_tree
from tests.poison import WRITERS, broken_events, outbox_writers, poison_every_route, set_cookie

QUIZ = "/courses/basics/the-mouse/quiz"
GOOD = {"q0": "1", "q1": "false", "q2": "Maj"}


def events(kind=None):
    with database.connection_context():
        query = OutboxEvent.select().order_by(OutboxEvent.seq)
        return [e for e in query if kind is None or e.type == kind]


def payload_size(event) -> int:
    return len(checks.canonical(event.payload).encode())


@pytest.fixture
def english(client):
    client.set_cookie("lang", "en")
    return client


# The rules themselves --------------------------------------------------------------------------------

@pytest.mark.parametrize("payload, reason", [
    ({"name": "Awa\x00"}, checks.BAD_TEXT),
    ({"name": "Awa\x1b[2J"}, checks.BAD_TEXT),
    ({"name\x07": "Awa"}, checks.BAD_TEXT),
    ({"answers": {"0": ["\ud800"]}}, checks.BAD_TEXT),
    ({"deep": json.loads("[" * 12 + "]" * 12)}, checks.TOO_DEEP),
    ({"step": 2**53}, checks.BAD_NUMBER),
    ({"step": -(2**53)}, checks.BAD_NUMBER),
    ({"spent": float("nan")}, checks.BAD_NUMBER),
    ({"when": b"bytes"}, checks.BAD_VALUE),
    ({1: "a key that is not text"}, checks.BAD_VALUE),
    (["not", "an", "object"], checks.BAD_VALUE),
    ({"answers": "x" * checks.MAX_PAYLOAD}, checks.TOO_LARGE),
    ({"name": "\u0645" * (checks.MAX_PAYLOAD // 2)}, checks.TOO_LARGE),     # bytes count, not letters
])
def test_the_payload_rules_refuse_what_a_hub_cannot_store(payload, reason):
    assert checks.payload_problem(payload).reason == reason


def test_ordinary_text_numbers_and_tabs_pass_the_rules():
    assert checks.payload_problem({"name": "Chloé \u0627\u0648\u0627 🌱", "note": "a\tb\nc\r", "step": 2**53 - 1,
                                   "spent": 1.5, "done": True, "none": None, "list": [[{"a": []}]]}) is None


def test_the_hub_and_the_outbox_share_one_size_limit():
    assert protocol.MAX_PAYLOAD == checks.MAX_PAYLOAD
    assert checks.canonical({"b": 1, "a": "é"}) == protocol.payload_json({"b": 1, "a": "é"})


# The outbox refuses where it writes -------------------------------------------------------------------

def test_the_outbox_refuses_a_bad_event_and_the_change_rolls_back_whole(app):
    with database.connection_context():
        learner = learner_rules.create_learner("Awa", "sun", None, None)
        before = (KioskIdentity.get_by_id(1).next_seq, OutboxEvent.select().count())
        with pytest.raises(outbox.Refused, match="control character U\\+0000"):
            progress.record_step(learner, "mouse\x00", "basics", 1, 2)
        with pytest.raises(outbox.Refused, match="at most 8192"):
            progress.record_step(learner, "m" * 9000, "basics", 1, 2)
        with pytest.raises(outbox.Refused, match="not a lowercase UUID"):
            outbox.append("learner.prefs", "Awa", {})
        with pytest.raises(outbox.Refused, match="unknown type"):
            outbox.append("learner.hacked", learner.uuid, {})
        assert (KioskIdentity.get_by_id(1).next_seq, OutboxEvent.select().count()) == before
        assert Progress.select().count() == 0 and Learner.get_by_id(learner.id).last_lesson is None


def test_a_change_whose_event_would_be_refused_shows_a_clear_page_and_changes_nothing(make_app, tmp_path):
    course = dict(SMALL_COURSE)
    course["01-basics/02-reading.md"] = '---\nid: "read\\aing"\n---\n# Reading\n\nText.\n\n## Two\n\nMore.\n'
    app = make_app(write_tree(tmp_path / "odd-content", course))
    client = app.test_client()
    client.set_cookie("lang", "en")
    person = Learners(client)
    person.create("Awa")
    response = person.post("/courses/basics/reading/step", {"step": "1"}, token_from="/courses/basics/reading")
    assert response.status_code == 422
    assert "nothing was changed" in response.get_data(as_text=True)
    with database.connection_context():
        assert Progress.select().count() == 0
    assert [e.type for e in events()] == ["learner.created"]


# Each route bounds its input ---------------------------------------------------------------------------

def test_names_are_trimmed_normalised_and_kept_to_40_letters():
    assert learner_rules.validate_name("  A\u0301wa \t Diallo ") == "\u00c1wa Diallo"      # NFC, one space
    assert learner_rules.validate_name("\u0623\u0648\u0627" * 13 + "x") == "\u0623\u0648\u0627" * 13 + "x"
    for bad in ("Awa\x00", "Awa\x1b", "Aw\x7fa", "Aw\u0085a", "Aw\ud800a", "Aw\ufffda", "A" * 41, " \n "):
        with pytest.raises(learner_rules.FormError):
            learner_rules.validate_name(bad)


def test_a_name_with_a_nul_is_refused_with_a_message_and_no_card_is_made(english, learners):
    response = learners.create("Awa\x00")
    assert response.status_code == 400
    assert "a character the kiosk cannot keep" in response.get_data(as_text=True)
    assert events() == []


def test_an_over_long_lang_cookie_never_reaches_an_event(client, learners):
    set_cookie(client, "lang", "x" * 9000)
    assert client.get("/").status_code == 200
    assert learners.create("Awa").status_code == 302
    learners.logout()
    client.set_cookie("lang", "ar")
    learners.create("Bilal")
    made = events("learner.created")
    assert [e.payload["prefs"]["language"] for e in made] == [None, "ar"]
    assert max(payload_size(e) for e in made) < 200


def test_preferences_keep_only_known_keys_and_known_values(app):
    with database.connection_context():
        learner = learner_rules.create_learner("Awa", "sun", None, "ar")
        learner_rules.update_prefs(learner, {"text_size": 999, "contrast": "yes", "language": "x" * 9000,
                                             "evil": "x" * 9000, "read_aloud": 1})
        assert len(events("learner.prefs")) == 0
        Learner.update(prefs={"text_size": "big", "language": "xx", "junk": "x" * 9000}).execute()
        learner = Learner.get_by_id(learner.id)
        learner_rules.update_prefs(learner, {"contrast": True})
    assert events("learner.prefs")[-1].payload["prefs"] == dict(learner_rules.DEFAULT_PREFS, contrast=True)


def test_a_unicode_digit_in_a_quiz_answer_is_a_400_page_with_a_message_not_a_500(english, learners):
    learners.create()
    for value in ("\u00b2", "\u0661", "\uff11", "-1", "7", "9" * 5000):
        response = learners.post(QUIZ, dict(GOOD, q0=value), token_from=QUIZ)
        assert response.status_code == 400
        assert "This answer could not be read" in response.get_data(as_text=True)
    response = learners.post(QUIZ, dict(GOOD, q2="x" * 201), token_from=QUIZ)
    assert response.status_code == 400 and "too long: 200 letters at most" in response.get_data(as_text=True)
    assert events("quiz.attempted") == []


def test_a_quiz_ignores_extra_fields_and_refuses_a_field_sent_500_times(learners):
    learners.create()
    extra = {f"q{i}": "x" * 200 for i in range(3, 503)}
    assert learners.post(QUIZ, dict(GOOD, **extra), token_from=QUIZ).status_code == 302
    assert learners.post(QUIZ, dict(GOOD, q2=["Maj"] * 500), token_from=QUIZ).status_code == 400
    assert learners.post(QUIZ, dict(GOOD, q0=["1"] * 500), token_from=QUIZ).status_code == 400
    attempt, = events("quiz.attempted")
    assert attempt.payload["answers"] == {"0": ["1"], "1": ["false"], "2": ["Maj"]}
    assert payload_size(attempt) < 400


def test_answers_are_read_only_for_the_quizs_own_questions():
    quiz = Quiz(questions=[Question(MULTIPLE, "Pick", choices=[Choice("a"), Choice("b"), Choice("c")]),
                           Question(TEXT, "Type")])
    form = {"q0": ["2", "0", "0"], "q1": ["  Mo\u0301t  de\tpasse "], "q2": ["ignored"]}
    answers, problems = grading.read_answers(quiz, lambda name: form.get(name, []))
    assert answers == {0: ["0", "2"], 1: ["M\u00f3t de passe"]} and problems == {}
    form = {"q0": ["0", "1", "2", "0"], "q1": ["a\x00"]}
    assert grading.read_answers(quiz, lambda name: form.get(name, []))[1] == {0: "unreadable", 1: "unreadable"}


def test_grading_never_turns_a_unicode_digit_into_a_500(app):
    with database.connection_context():
        quiz = catalog.lesson_by_key("basics-mouse", "en").quiz
    assert grading.grade(quiz, {0: ["\u00b2"], 1: ["false"], 2: ["Maj"]})["score"] == 2


def test_a_long_quiz_of_typed_answers_still_fits_the_hubs_limit(app):
    quiz = Quiz(questions=[Question(TEXT, f"Q{i}", answers=["x"]) for i in range(60)])
    with database.connection_context():
        learner = learner_rules.create_learner("Awa", "sun", None, None)
        answers = {i: ["\u0645" * 200] for i in range(60)}
        attempt = progress.record_quiz_attempt(learner, "basics-mouse", "basics", quiz, answers, 2)
        kept = QuizAttempt.get_by_id(attempt.id).answers
    sent, = events("quiz.attempted")
    assert kept["0"] == ["\u0645" * 200]                           # the kiosk keeps the whole answer
    assert sent.payload["answers_cut"] is True and payload_size(sent) <= checks.MAX_PAYLOAD


def test_a_certificate_event_fits_whatever_the_course_title(app):
    with database.connection_context():
        learner = learner_rules.create_learner("Awa", "sun", None, None)
        course = SimpleNamespace(id="basics", title="Les bases\x07\x00 " + "é" * 9000)
        certificates.issue(learner, course, "secret", "Centre\x1b social", now=1_700_000_000)
    issued, = events("certificate.issued")
    assert issued.payload["course_title"].startswith("Les bases éé") and issued.payload["centre"] == "Centre social"
    assert checks.payload_problem(issued.payload) is None


# Every writing route, poisoned --------------------------------------------------------------------------

def test_every_function_that_writes_an_event_is_in_the_poison_list():
    assert outbox_writers() == set(WRITERS)


def test_poison_on_every_writing_route_gives_no_5xx_and_no_event_a_hub_would_refuse(app):
    statuses = poison_every_route(app)
    assert sum(statuses.values()) > 500
    assert not [s for s in statuses if s >= 500], statuses
    assert broken_events() == []
    made = {e.type for e in events()}
    assert made == protocol.EVENT_TYPES          # the ordinary steps between the poison all went through
    with database.connection_context():
        names = [learner.name for learner in Learner.select()]
    assert all(learner_rules.validate_name(name) == name for name in names)
