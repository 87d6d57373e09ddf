"""A learner on a shared kiosk: card, lesson, quiz, result, logout, resume, and the guards around them."""
import time

from kiosk.db import database
from kiosk.models import Learner, LearnerSession, Progress, QuizAttempt
from sync.client.outbox import OutboxEvent


def uuid_of(name):
    with database.connection_context():
        return Learner.get(Learner.name == name).uuid


def test_a_new_learner_reads_a_lesson_answers_the_quiz_and_resumes_later(client, learners):
    assert "Qui apprend" in client.get("/").get_data(as_text=True)
    response = learners.create("Awa", "sun")
    assert response.status_code == 302 and response.headers["Location"].startswith("/home")
    home = client.get("/home").get_data(as_text=True)
    assert "Les bases" in home                                  # French course title, kiosk default fr

    lesson = client.get("/courses/basics/the-mouse").get_data(as_text=True)
    assert "La souris" in lesson and 'lang="fr"' in lesson
    moved = learners.post("/courses/basics/the-mouse/step", {"step": 1}, token_from="/courses/basics/the-mouse")
    assert moved.headers["Location"].startswith("/courses/basics/the-mouse?step=1")
    learners.logout()

    learners.pick(uuid_of("Awa"))
    home = client.get("/home").get_data(as_text=True)
    assert 'href="/courses/basics/the-mouse"' in home            # "Continue where you left off"
    resumed = client.get("/courses/basics/the-mouse").get_data(as_text=True)
    assert "Cliquer" in resumed                                 # step 2 of 2, where Awa stopped

    to_quiz = learners.post("/courses/basics/the-mouse/step", {"step": 2}, token_from="/courses/basics/the-mouse")
    assert to_quiz.headers["Location"].endswith("/courses/basics/the-mouse/quiz")
    sent = learners.post("/courses/basics/the-mouse/quiz", {"q0": "1", "q1": "true", "q2": "maj"},
                         token_from="/courses/basics/the-mouse/quiz")
    result = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "2" in result and "3" in result
    course = client.get("/courses/basics").get_data(as_text=True)
    assert 'max="2" value="1"' in course

    with database.connection_context():
        learner = Learner.get(Learner.name == "Awa")
        row = Progress.get(Progress.learner == learner)
        attempt = QuizAttempt.get(QuizAttempt.learner == learner)
        types = [e.type for e in OutboxEvent.select().order_by(OutboxEvent.seq)]
    assert row.status == "completed" and (attempt.score, attempt.total) == (2, 3)
    assert types == ["learner.created", "lesson.progressed", "lesson.progressed", "quiz.attempted",
                     "lesson.completed"]


def test_every_attempt_is_kept(client, learners):
    learners.create("Bob", "cat")
    for answer in ("0", "1"):
        learners.post("/courses/basics/the-mouse/quiz", {"q0": answer, "q1": "false", "q2": "x"},
                      token_from="/courses/basics/the-mouse/quiz")
    with database.connection_context():
        assert [a.score for a in QuizAttempt.select().order_by(QuizAttempt.id)] == [1, 2]


def test_an_unanswered_quiz_says_which_questions_are_left(client, learners):
    learners.create()
    response = learners.post("/courses/basics/the-mouse/quiz", {"q0": "1"}, token_from="/courses/basics/the-mouse/quiz")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert page.count('class="field-error"') == 2


def test_a_bad_new_learner_form_explains_in_the_learners_language(client, learners):
    client.environ_base["REMOTE_ADDR"] = "192.168.4.20"      # a phone on the Wi-Fi, not the kiosk's screen
    response = learners.create(name="", pin="12")
    assert response.status_code == 400
    assert "prénom" in response.get_data(as_text=True)
    english = learners.create(name="", headers={"Accept-Language": "en"})
    assert "Please type a first name" in english.get_data(as_text=True)


def test_a_learner_with_a_pin_is_locked_out_after_5_wrong_tries(client, learners):
    learners.create("Chloé", "tree", pin="2580")
    learners.logout()
    uuid = uuid_of("Chloé")
    for _ in range(4):
        assert learners.pick(uuid, "0000").status_code == 400
    fifth = learners.pick(uuid, "0000")
    assert fifth.status_code == 429 and "5 minutes" in fifth.get_data(as_text=True)
    assert learners.pick(uuid, "2580").status_code == 429          # even the right PIN must wait
    with database.connection_context():
        Learner.update(locked_until=time.time() - 1).where(Learner.uuid == uuid).execute()
    assert learners.pick(uuid, "2580").status_code == 302


def test_the_kiosk_wide_limiter_slows_guessing_across_learners(make_app, content_dir):
    app = make_app(content_dir, KIOSK_PIN_LIMIT=3)
    from tests.conftest import Learners
    learners = Learners(app.test_client())
    for name in ("A", "B"):
        learners.create(name, "sun", pin="1234")
        learners.logout()
    with database.connection_context():
        uuids = [le.uuid for le in Learner.select()]
    statuses = [learners.pick(uuids[i % 2], "9999").status_code for i in range(4)]
    assert statuses[-1] == 429


def test_idle_learners_are_logged_out_and_the_next_person_sees_nothing(client, learners):
    learners.create("Dan", "fish")
    assert client.get("/home").status_code == 200
    with database.connection_context():
        LearnerSession.update(last_seen=time.time() - 11 * 60).execute()
    response = client.get("/home")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]
    assert "Dan" not in client.get("/courses/basics").get_data(as_text=True)
    assert client.get("/courses/basics").status_code == 302


def test_logout_makes_a_copied_cookie_worthless(app, client, learners):
    learners.create("Eve", "moon")
    cookie = client.get_cookie("relais").value
    learners.logout()
    thief = app.test_client()
    thief.set_cookie("relais", cookie)
    assert thief.get("/home").status_code == 302


def test_learner_pages_are_never_stored_by_the_browser(client, learners):
    learners.create()
    response = client.get("/home")
    assert response.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_login_renews_the_session(client, learners):
    learners.create("Fay", "star")
    first = client.get_cookie("relais").value
    learners.logout()
    learners.pick(uuid_of("Fay"))
    assert client.get_cookie("relais").value != first


def test_forms_without_a_csrf_token_are_refused(client, learners):
    response = client.post("/new", data={"name": "Mallory", "picture": "sun"})
    assert response.status_code == 400
    with database.connection_context():
        assert Learner.select().count() == 0


def test_no_state_changes_on_get(client, learners):
    learners.create()
    client.get("/courses/basics/the-mouse?step=1")
    with database.connection_context():
        assert Progress.select().count() == 0
    assert client.get("/logout").status_code == 405


def test_language_follows_the_learner_then_the_browser_then_the_kiosk(client, learners):
    client.environ_base["REMOTE_ADDR"] = "192.168.4.20"      # a phone on the Wi-Fi, not the kiosk's screen
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert 'lang="fr"' in client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    learners.create("Gil", "bike")
    learners.post("/preferences", {"text_size": "150", "language": "ar", "read_aloud": "1"},
                  token_from="/preferences")
    page = client.get("/home", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in page and "text-150" in page


def test_a_lesson_missing_in_the_learners_language_falls_back_and_says_so(client, learners):
    learners.create()
    page = client.get("/courses/basics/reading").get_data(as_text=True)
    assert "Only in English" in page and 'lang="en"' in page
    assert "pas encore traduite" in page or "not yet translated" in page


def test_search_ignores_accents_and_case(client, learners):
    learners.create()
    page = client.get("/search?q=SECURITE").get_data(as_text=True)
    assert "La souris" in page and "<mark>" in page


def test_healthz_reports_the_catalogue(client, learners):
    learners.create()
    data = client.get("/healthz").get_json()
    assert data["status"] == "ok"
    assert (data["courses"], data["lessons"], data["learners"], data["skipped_files"]) == (1, 2, 1, [])
