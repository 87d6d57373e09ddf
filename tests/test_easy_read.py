"""The easy-to-read level: a sibling file per lesson, chosen by a preference on the card, the same lesson
for progress, its own quiz, found by search, heard like the rest, and checked for plain language."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from kiosk.cli import cli
from kiosk.content.plainlanguage import plain_language_hints
from kiosk.content.tree import discover
from kiosk.db import database
from kiosk.models import Learner, LessonVersion, Progress, QuizAttempt
from kiosk.narration import plan, worker
from sync.client.outbox import OutboxEvent
from tests.conftest import DEMO_CONTENT, SMALL_COURSE, write_tree

EASY = {
    "01-basics/01-the-mouse.easy.md": """
        ---
        title: The mouse, easy to read
        ---
        # The mouse, easy to read

        The mouse is on the table.

        ## Your hand

        Put your hand on the mouse.

        ## The button

        Press the left button 1 time.

        ```quiz
        ? Which button opens a link?
        ( ) The right button
        (x) The left button
        ? Where is the mouse?
        (x) On the table
        ( ) On the screen
        ```
        """,
    "01-basics/01-the-mouse.easy.fr.md": """
        # La souris, facile à lire

        La souris est sur la table.

        ## Votre main

        Posez votre main sur la souris.

        ## Le bouton

        Appuyez 1 fois sur le bouton gauche.

        ```quiz
        ? Quel bouton ouvre un lien ?
        ( ) Le bouton droit
        (x) Le bouton gauche
        ```
        """,
    "01-basics/07-lost.easy.md": "# Lost\n\nThis file has no lesson beside it.\n",
}
LESSON = "/courses/basics/the-mouse"


@pytest.fixture
def content_dir(tmp_path):
    return write_tree(tmp_path / "content", dict(SMALL_COURSE, **EASY))


def choose_easy_read(learners, on: bool):
    data = {"text_size": "100", "language": "fr", "easy_read": "1" if on else ""}
    return learners.post("/preferences", data, token_from="/preferences")


def learner_row(name="Awa"):
    with database.connection_context():
        return Learner.get(Learner.name == name)


def test_an_easy_sibling_is_one_more_version_of_the_same_lesson(app):
    with app.app_context(), database.connection_context():
        languages = {v.language for v in LessonVersion.select().where(LessonVersion.lesson == "basics-mouse")}
        keys = {v.lesson_id for v in LessonVersion.select()}
    assert languages == {"en", "fr", "en-x-easy", "fr-x-easy"}
    assert keys == {"basics-mouse", "basics/reading"}          # no lesson of its own, and the orphan is not served


def test_a_learner_who_chose_easy_to_read_gets_it_and_the_others_the_standard_text(client, learners):
    learners.create("Awa", "sun")
    standard = client.get(LESSON).get_data(as_text=True)
    assert "La souris déplace le pointeur" in standard and "La souris, facile à lire" not in standard
    assert "Lire cette leçon en facile à lire" in standard       # offered where an easy version exists
    choose_easy_read(learners, True)
    easy = client.get(LESSON).get_data(as_text=True)
    assert "La souris, facile à lire" in easy and "La souris est sur la table" in easy
    assert "Passer à la version standard" in easy and 'lang="fr"' in easy
    assert "Étape 1 sur 3" in easy
    other = client.get("/courses/basics/reading").get_data(as_text=True)
    assert "Only in English" in other and "Passer à la version standard" not in other


def test_the_preference_is_offered_on_the_first_screen_kept_on_the_card_and_synced(client, learners):
    assert 'name="easy_read"' in client.get("/").get_data(as_text=True)
    learners.create("Awa", "sun")
    assert 'name="easy_read"' in client.get("/preferences").get_data(as_text=True)
    choose_easy_read(learners, True)
    awa = learner_row()
    assert awa.prefs["easy_read"] is True and awa.prefs["language"] == "fr"
    with database.connection_context():
        events = [e.payload for e in OutboxEvent.select().where(OutboxEvent.type == "learner.prefs")]
    assert events and events[-1]["prefs"]["easy_read"] is True


def test_the_switch_works_without_javascript_and_keeps_the_place_in_proportion(client, learners):
    learners.create("Awa", "sun")
    choose_easy_read(learners, True)
    switched = learners.post(f"{LESSON}/level", {"easy": "0", "step": "2"}, token_from=f"{LESSON}?step=2")
    assert switched.status_code == 302
    assert switched.headers["Location"].endswith(f"{LESSON}?step=1")      # step 3 of 3 → step 2 of 2
    page = client.get(switched.headers["Location"]).get_data(as_text=True)
    assert "Cliquer" in page and "Lire cette leçon en facile à lire" in page
    assert learner_row().prefs["easy_read"] is False
    back = learners.post(f"{LESSON}/level", {"easy": "1", "step": "1"}, token_from=LESSON)
    assert back.headers["Location"].endswith(f"{LESSON}?step=2") and learner_row().prefs["easy_read"] is True


def test_the_course_page_marks_the_lessons_that_have_an_easy_version(client, learners):
    learners.create("Awa", "sun")
    page = client.get("/courses/basics").get_data(as_text=True)
    assert page.count('class="easy-mark"') == 1
    mouse_item = page.split('href="/courses/basics/the-mouse"')[1].split("</li>")[0]
    assert "easy-mark" in mouse_item


def test_progress_is_the_same_lesson_whichever_level_is_read(client, learners):
    learners.create("Awa", "sun")
    choose_easy_read(learners, True)
    learners.post(f"{LESSON}/step", {"step": 2}, token_from=LESSON)           # step 3 of 3, easy
    with database.connection_context():
        row = Progress.get(Progress.lesson_key == "basics-mouse")
    assert (row.step, row.steps_total) == (2, 3)
    choose_easy_read(learners, False)
    resumed = client.get(LESSON).get_data(as_text=True)
    assert "Étape 2 sur 2" in resumed and "Cliquer" in resumed


def test_the_easy_quiz_is_graded_against_its_own_questions(client, learners):
    learners.create("Awa", "sun", )
    choose_easy_read(learners, True)
    quiz = client.get(f"{LESSON}/quiz").get_data(as_text=True)
    assert "Quel bouton ouvre un lien" in quiz and "Quelle touche" not in quiz
    sent = learners.post(f"{LESSON}/quiz", {"q0": "1"}, token_from=f"{LESSON}/quiz")
    assert sent.status_code == 302
    with database.connection_context():
        attempt = QuizAttempt.get(QuizAttempt.lesson_key == "basics-mouse")
    assert (attempt.score, attempt.total, attempt.passed) == (1, 1, True)
    result = client.get(sent.headers["Location"])
    assert result.status_code == 200 and "Le bouton gauche" in result.get_data(as_text=True)


def test_search_finds_the_easy_versions_too(client, learners):
    learners.create("Awa", "sun")
    page = client.get("/search?q=posez").get_data(as_text=True)
    assert 'href="/courses/basics/the-mouse"' in page


def test_an_orphan_easy_file_and_long_sentences_are_reported_with_file_and_line(tmp_path, monkeypatch):
    monkeypatch.setenv("RELAIS_DATA_DIR", str(tmp_path / "data"))
    folder = write_tree(tmp_path / "mine", dict(SMALL_COURSE, **EASY, **{
        "01-basics/02-reading.easy.md": "# Reading\n\nThis is one very long sentence that goes on and on with "
                                        "far too many words for anyone to follow easily today.\n\nRead two pages.\n"}))
    result = CliRunner().invoke(cli, ["check-content", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "01-basics/07-lost.easy.md:1: warning: this easy-to-read version has no standard lesson" in result.output
    assert "01-basics/02-reading.easy.md:3: warning: this sentence has 22 words" in result.output
    assert "01-basics/02-reading.easy.md:5: warning: 'two' is a number written in words" in result.output
    assert "01-the-mouse.easy.md:" not in result.output and "01-the-mouse.easy.fr.md:" not in result.output


def test_plain_language_hints_cover_abbreviations_and_long_steps_but_not_code_or_settings():
    text = "---\ntitle: X\n---\n# X\n\nAsk the ATM.\n\n```\nTWO THREE FOUR words here\n```\n\n## Long\n\n" + \
        "\n".join(["Short words in a line."] * 30) + "\n\n```quiz\npass: 70\n? Is it true?\ntrue\n```\n"
    found = [(p.line, p.message.split(";")[0]) for p in plain_language_hints(text, "x.easy.md")]
    assert (6, "'ATM' is an abbreviation") in found
    assert (12, "this step has 150 words") in found
    assert len(found) == 2


def test_the_narration_texts_include_the_easy_steps_in_their_language(app):
    with app.app_context():
        versions = list(worker.lesson_versions())
    easy = [(lang, steps, quiz) for lang, steps, quiz, source in versions if source.endswith("01-the-mouse.easy.fr.md")]
    assert len(easy) == 1 and easy[0][0] == "fr"
    said = [item.text for item in plan.items_of(easy[0][1], easy[0][2])]
    assert any("Posez votre main sur la souris" in text for text in said)
    assert any("Quel bouton ouvre un lien" in text for text in said)


def test_every_lesson_of_the_first_demo_course_has_plain_easy_versions_in_french_and_english():
    first = next(course for course in discover(DEMO_CONTENT) if course.default_id == "first-digital-steps")
    assert len(first.lessons) == 5 and not first.orphan_easy
    for lesson in first.lessons:
        assert set(lesson.easy) == {None, "fr"}, lesson.base          # None: the course's language, English
        for path in lesson.easy.values():
            assert plain_language_hints(path.read_text(encoding="utf-8"), path.name) == []


def test_the_switch_answers_strange_input_without_a_server_error(client, learners):
    learners.create("Awa", "sun")
    for value in ("", "-1", "99999999999999999999", "x" * 5000, "\x00", "1.5"):
        sent = learners.post(f"{LESSON}/level", {"easy": value, "step": value}, token_from=LESSON)
        assert sent.status_code == 302, value
        assert client.get(sent.headers["Location"]).status_code == 200
    assert learners.post("/courses/basics/nothing/level", {"easy": "1"}, token_from=LESSON).status_code == 404


def test_the_narration_reads_every_lesson_version_once_however_small_its_pages(app, monkeypatch):
    with app.app_context():
        whole = list(worker.lesson_versions())
        monkeypatch.setattr(worker, "PAGE", 1)           # a page per version: every boundary crossed
        one_by_one = list(worker.lesson_versions())
        with database.connection_context():
            held = LessonVersion.select().count()
    assert held > 1 and len(whole) == held
    assert one_by_one == whole
    assert len({source for _lang, _steps, _quiz, source in whole}) == held
