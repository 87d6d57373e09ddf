"""CRCN competences (the framework Pix uses): lessons and quiz questions declare them, check-content refuses a
wrong code or level at its file:line, and the facilitator's map counts only what a learner did alone."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from kiosk import groups, progress
from kiosk.activity.competences import competence_map, declarations
from kiosk.catalog import lesson_by_key
from kiosk.cli import cli
from kiosk.content.crcn import competences, levels
from kiosk.db import database
from kiosk.facilitators import create as create_facilitator
from kiosk.learners import create_learner
from tests.conftest import DEMO_CONTENT, Learners, write_tree

COURSE = {
    "01-net/course.yml": "id: net\ntitle: Net\nlanguage: en\norder: 1\n",
    "01-net/01-search.md": """
        ---
        id: net-search
        crcn: "1.1"
        crcn_level: 1
        ---
        # Searching

        Type words in the search box.

        ```quiz
        ? Which key sends the search?
        crcn: 1.1
        crcn_level: 2
        = Enter
        ? The address bar shows where you are.
        true
        ```
        """,
    "01-net/02-safe.md": """
        ---
        id: net-safe
        crcn: 4.1
        crcn_level: 1
        ---
        # Safe

        Lock your screen.
        """,
}


def check(tmp_path, files):
    root = write_tree(tmp_path / "checked", {"01-c/course.yml": "id: c\ntitle: C\nlanguage: en\n", **files})
    result = CliRunner().invoke(cli, ["check-content", str(root)])
    return result.exit_code, result.output


def test_the_framework_has_16_competences_in_5_areas_and_8_levels():
    found = competences()
    assert len(found) == 16 and {c.area for c in found.values()} == {"1", "2", "3", "4", "5"}
    assert list(found)[:3] == ["1.1", "1.2", "1.3"] and list(found)[-1] == "5.2"
    assert found["4.2"].names["fr"] == "Protéger les données personnelles et la vie privée"
    assert levels() == [1, 2, 3, 4, 5, 6, 7, 8]


@pytest.mark.parametrize("front, line, says", [
    ('crcn: "6.1"\n', 3, "'6.1' is not a CRCN competence"),
    ('crcn: "1.4"\n', 3, "'1.4' is not a CRCN competence"),
    ('crcn: "2.3"\ncrcn_level: 9\n', 4, "the CRCN level '9'"),
    ('crcn: "2.3"\ncrcn_level: two\n', 4, "the CRCN level 'two'"),
    ("crcn_level: 3\n", 3, "a CRCN level needs its competence"),
])
def test_check_content_refuses_a_wrong_competence_or_level_in_front_matter(tmp_path, front, line, says):
    code, output = check(tmp_path, {"01-c/01-l.md": f"---\nid: l\n{front}---\n# L\n\nText.\n"})
    assert code == 1
    assert f"01-c/01-l.md:{line}: error: {says}" in output


def test_check_content_refuses_a_wrong_competence_on_a_quiz_question_at_its_line(tmp_path):
    lesson = "# L\n\nText.\n\n```quiz\n? Yes?\ncrcn: 3.9\ntrue\n? No?\ncrcn_level: 2\nfalse\n```\n"
    code, output = check(tmp_path, {"01-c/01-l.md": lesson})
    assert code == 1
    assert "01-c/01-l.md:7: error: '3.9' is not a CRCN competence" in output
    assert "01-c/01-l.md:10: error: a CRCN level needs its competence" in output


def test_good_declarations_pass_and_reach_the_catalogue(make_app, tmp_path):
    code, output = check(tmp_path, {"01-c/01-l.md": "---\ncrcn: 5.1\ncrcn_level: 8\n---\n# L\n\nText.\n"})
    assert code == 0, output
    make_app(write_tree(tmp_path / "content", COURSE))
    with database.connection_context():
        question = lesson_by_key("net-search", "en").quiz.questions[0]
        found = declarations()
    assert (question.crcn, question.crcn_level) == ("1.1", 2)
    assert found.lessons == {"net-search": ("1.1", 1), "net-safe": ("4.1", 1)}
    assert found.questions == {("net-search", 0): ("1.1", 2)}


def test_the_demo_courses_declare_only_real_competences(demo_app):
    checked = CliRunner().invoke(cli, ["check-content", str(DEMO_CONTENT)])
    assert checked.exit_code == 0, checked.output
    with database.connection_context():
        found = declarations()
    assert len(found.lessons) >= 15 and found.questions
    assert {c for c, _ in found.lessons.values()} <= set(competences())


@pytest.fixture
def kiosk(make_app, tmp_path):
    app = make_app(write_tree(tmp_path / "content", COURSE))
    with database.connection_context():
        create_facilitator("Samia", "correct horse battery")
    return app


def answer(learner, right, with_help):
    quiz = lesson_by_key("net-search", "en").quiz
    progress.record_quiz_attempt(learner, "net-search", "net", quiz, {0: ["Enter" if right else "Tab"], 1: ["true"]},
                                 1, with_help=with_help)


def test_the_map_counts_only_lessons_and_answers_done_alone(kiosk, tmp_path):
    with database.connection_context():
        awa = create_learner("Awa", "sun", None, "fr")
        progress.complete_lesson(awa, "net-safe", "net", 1, with_help=True)
        answer(awa, right=True, with_help=True)
        assert competence_map([awa.id]) == []                        # everything with help: nothing
        answer(awa, right=False, with_help=False)
        assert competence_map([awa.id]) == []                        # alone but wrong: not yet
        answer(awa, right=True, with_help=False)
        answer(awa, right=True, with_help=False)                           # the same answer again: once
        (entry,) = competence_map([awa.id])
    assert (entry["code"], entry["lessons"], entry["answers"], entry["level"]) == ("1.1", 0, 1, 2)
    assert entry["ready"] == 1          # level 2 is the highest the courses here declare for 1.1
    assert entry["name"] == "Mener une recherche et une veille d'information" and entry["translation"] == ""


def test_a_lesson_done_alone_below_the_highest_level_is_no_ready_hint(kiosk, tmp_path):
    with database.connection_context():
        awa = create_learner("Awa", "sun", None, "fr")
        progress.complete_lesson(awa, "net-search", "net", 1)              # level 1 of 1.1; questions go to 2
        progress.complete_lesson(awa, "net-safe", "net", 1)
        found = {e["code"]: e for e in competence_map([awa.id], "en")}
    assert (found["1.1"]["level"], found["1.1"]["ready"]) == (1, 0)
    assert (found["4.1"]["lessons"], found["4.1"]["ready"]) == (1, 1)
    assert found["4.1"]["translation"] == "Secure the digital environment"


def test_the_learner_page_and_the_group_page_show_the_map_and_never_a_score(kiosk):
    client = kiosk.test_client()
    Learners(client).post("/facilitator/login", {"name": "Samia", "password": "correct horse battery"},
                          token_from="/facilitator/login")
    with database.connection_context():
        awa, binta = create_learner("Awa", "sun", None, "fr"), create_learner("Binta", "moon", None, "fr")
        progress.complete_lesson(awa, "net-safe", "net", 1)
        progress.complete_lesson(binta, "net-safe", "net", 1, with_help=True)
        workshop = groups.create("Atelier")
        groups.set_members(workshop, [awa.id, binta.id])
    learner_page = client.get(f"/facilitator/learners/{awa.uuid}").get_data(as_text=True)
    assert "4.1" in learner_page and "Sécuriser l&#39;environnement numérique" in learner_page
    group_page = client.get(f"/facilitator/groups/{workshop.id}").get_data(as_text=True)
    assert "4.1" in group_page and "Pix" in group_page
    other = client.get(f"/facilitator/learners/{binta.uuid}").get_data(as_text=True)
    assert "4.1</strong>" not in other                                     # done with help: not on the map
