"""The result page's explanations and the first screens' prompts can be heard too, made once like the rest."""
from __future__ import annotations

import re

import pytest

from kiosk.db import database
from kiosk.models import Learner
from kiosk.narration import clips
from kiosk.narration.choice import forget_engines
from kiosk.narration.worker import make_missing
from kiosk.views import page_cache
from tests.conftest import Learners, write_tree
from tests.test_narration import LESSON, needs_speech, seconds_of

CLIP = r'<audio controls preload="none" src="(/narration/[0-9a-f]{32}\.opus)"[^>]*%s'


@pytest.fixture
def narrated(make_app, tmp_path):
    forget_engines()
    content = write_tree(tmp_path / "content", {"01-basics/course.yml": "title: Basics\nlanguage: en\n",
                                                "01-basics/01-the-mouse.md": LESSON})
    app = make_app(content)
    return app, make_missing(app.config["NARRATION_CONFIG"])


@needs_speech
def test_each_explanation_on_the_result_page_can_be_heard(narrated):
    app, _ = narrated
    client = app.test_client()
    learners = Learners(client)
    learners.create("Awa")
    quiz = "/courses/basics/the-mouse/quiz"
    sent = learners.post(quiz, {"q0": "0"}, token_from=quiz)          # the wrong one: "It opens a small menu."
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "It opens a small menu." in page
    found = re.findall(CLIP % "data-feedback-audio", page)
    assert len(found) == 1
    assert seconds_of(clips.folder_of(app.config["DATA_PATH"]) / found[0].rsplit("/", 1)[1]) > 0.5
    assert client.get(found[0]).status_code == 200


@needs_speech
def test_the_first_screens_speak_in_each_language_from_clips_made_once(narrated):
    app, tally = narrated
    client = app.test_client()
    for lang, words in (("fr", "Qui apprend"), ("en", "Who is learning"), ("ar", "من يتعلم الآن")):
        client.set_cookie("lang", lang)
        who = client.get("/").get_data(as_text=True)
        assert words in who
        url = re.search(CLIP % "data-prompt-audio", who).group(1)
        assert client.get(url).data.startswith(b"OggS")
        assert re.search(CLIP % "data-prompt-audio", client.get("/new").get_data(as_text=True))
    learners = Learners(client)
    learners.create("Awa", pin="2468")
    learners.logout()
    with database.connection_context():
        uuid = Learner.get(Learner.name == "Awa").uuid
    assert re.search(CLIP % "data-prompt-audio", client.get(f"/learner/{uuid}").get_data(as_text=True))
    again = make_missing(app.config["NARRATION_CONFIG"])
    assert again.synthesised == 0 and again.cached == tally.synthesised      # never made twice, nor per request


def test_a_first_screen_without_its_clip_yet_shows_no_player(make_app, tmp_path):
    app = make_app(write_tree(tmp_path / "content", {"01-basics/course.yml": "title: Basics\n"}))
    page = app.test_client().get("/").get_data(as_text=True)
    assert "data-prompt-audio" not in page and "Qui apprend" in page


@needs_speech
def test_a_clip_made_after_its_page_was_kept_is_offered_at_once(make_app, tmp_path, monkeypatch):
    """The first screen is kept without its player while the clip is being made; the next view after the
    narration worker writes it offers it, however long a page waiting for its clip is otherwise kept."""
    monkeypatch.setattr(page_cache, "PENDING_SECONDS", 3600)
    forget_engines()
    app = make_app(write_tree(tmp_path / "content", {"01-basics/course.yml": "title: Basics\nlanguage: en\n",
                                                      "01-basics/01-the-mouse.md": LESSON}))
    client = app.test_client()
    client.set_cookie("lang", "en")
    assert "data-prompt-audio" not in client.get("/").get_data(as_text=True)
    assert "data-prompt-audio" not in client.get("/").get_data(as_text=True)      # kept, still without
    make_missing(app.config["NARRATION_CONFIG"])
    url = re.search(CLIP % "data-prompt-audio", client.get("/").get_data(as_text=True)).group(1)
    assert client.get(url).data.startswith(b"OggS")
