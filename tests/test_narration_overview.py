"""The facilitator's overview says which lessons cannot be heard yet, why, and how to fix it."""
from __future__ import annotations

import pytest

from kiosk.db import database
from kiosk.facilitators import create as create_facilitator
from kiosk.narration.choice import forget_engines
from kiosk.narration.overview import without_vowel_marks
from kiosk.narration.worker import make_missing
from tests.conftest import Learners, write_tree
from tests.test_narration import LESSON, needs_speech

ARABIC = "---\ntitle: الفأرة\n---\n## أمسكها\n\nضع يدك على الفأرة.\n"
PAGE = "/facilitator/narration/"


@pytest.fixture
def overview_of(make_app, tmp_path):
    """The overview page's text on a kiosk with an English and an Arabic lesson, for a signed-in facilitator."""
    forget_engines()
    content = write_tree(tmp_path / "content", {"01-basics/course.yml": "title: Basics\nlanguage: en\n",
                                                "01-basics/01-the-mouse.md": LESSON,
                                                "02-arabic/course.yml": "title: Arabic\nlanguage: ar\n",
                                                "02-arabic/01-the-mouse.md": ARABIC})

    def build(**config):
        app = make_app(content, DEFAULT_LANGUAGE="en", **config)
        with database.connection_context():
            create_facilitator("Samia", "correct horse battery")
        client = app.test_client()
        Learners(client).post("/facilitator/login", {"name": "Samia", "password": "correct horse battery"},
                              token_from="/facilitator/login")
        return app, lambda: client.get(PAGE).get_data(as_text=True)
    return build


@needs_speech
def test_the_overview_says_what_is_being_made_and_advises_recordings_for_unvowelled_arabic(overview_of):
    app, page = overview_of()
    before = page()
    assert "5 clips are being made" in before and "Basics" not in before.split("<table")[0]
    assert "espeak-ng" in before and "vowel marks" in before and "01-the-mouse.step-1.opus" in before
    make_missing(app.config["NARRATION_CONFIG"], languages={"en"}, screens=False)
    after = page()
    assert "5 clips are being made" not in after and "The mouse" not in after
    assert "الفأرة" in after and "vowel marks" in after


def test_the_overview_of_a_kiosk_without_narration_says_how_to_turn_it_on(overview_of):
    _, page = overview_of(NARRATION="no")
    text = page()
    assert "setting NARRATION" in text and "cannot be made" in text and "apt-get install espeak-ng" in text


def test_arabic_counts_as_vowelled_only_when_it_carries_its_marks():
    assert without_vowel_marks("ضع يدك على الفأرة") and not without_vowel_marks("ضَعْ يَدَكَ عَلَى الفَأْرَةِ")
    assert not without_vowel_marks("Put your hand on the mouse")
