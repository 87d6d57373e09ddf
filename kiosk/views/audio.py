"""Narration clips, served with Range, ETag and long caching, and what a page offers for a step or question."""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory, url_for
from flask_babel import gettext

from ..i18n import request_language
from ..models import LessonVersion
from ..narration import clips
from ..narration.plan import NarrationConfig, feedback_sound, prompt_sound, question_sound, step_sound
from ..narration.worker import NarrationWorker

bp = Blueprint("audio", __name__)
YEAR = 365 * 86400


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.add_template_global(step_audio)
    app.add_template_global(question_audio)
    app.add_template_global(feedback_audio)
    app.add_template_global(prompt_audio)
    restart_narration(app)


def restart_narration(app) -> None:
    """After the kiosk switched to new courses: read the new folder, make the clips of what changed.
    The old run stops between two clips; an unchanged sentence keeps its clip, so little is made again."""
    old = app.config.get("NARRATION_WORKER")
    if old is not None:
        old.stopping.set()
    config = narration_config(app.config)
    app.config["NARRATION_CONFIG"] = config
    if config.enabled and _background(app):
        app.config["NARRATION_WORKER"] = NarrationWorker(config).start()


def narration_config(config) -> NarrationConfig:
    voices = config.get("NARRATION_VOICES") or Path(config["DATA_PATH"]) / "voices"
    return NarrationConfig(data_dir=Path(config["DATA_PATH"]), content_dir=Path(config["CONTENT_PATH"]),
                           voices_dir=Path(voices), piper_command=config.get("NARRATION_PIPER") or "piper",
                           enabled=str(config.get("NARRATION", "auto")).lower() != "no",
                           locales_dir=Path(config["BABEL_TRANSLATION_DIRECTORIES"]))


def _background(app) -> bool:
    wanted = str(app.config.get("NARRATION", "auto")).lower()
    return wanted == "yes" or (wanted == "auto" and not app.config.get("TESTING"))


@bp.get("/narration/<name>")
def clip(name: str):
    """A made clip; its name is the hash of what it says, so it never changes and is cached for a year."""
    if not clips.NAME.match(name):
        abort(404)
    folder = clips.folder_of(current_app.config["DATA_PATH"])
    response = send_from_directory(folder, name, mimetype="audio/ogg", conditional=True, etag=True,
                                   max_age=YEAR)
    response.cache_control.public = True
    response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _source(lesson) -> Path | None:
    row = (LessonVersion.select(LessonVersion.source)
           .where((LessonVersion.lesson == lesson.key)
                  & (LessonVersion.language == (lesson.stored_language or lesson.language))).first())
    return current_app.config["CONTENT_PATH"].parent / row.source if row else None


def _offer(sound) -> dict:
    url = sound.recording or (url_for("audio.clip", name=sound.clip) if sound.clip else None)
    return {"state": sound.state, "url": url, "recorded": sound.recording is not None}


def step_audio(lesson, step: int) -> dict:
    """{state, url, recorded} for step `step` (from 0) of a lesson shown in lesson.language."""
    if not lesson.steps or not 0 <= step < len(lesson.steps):
        return {"state": "no-engine", "url": None, "recorded": False}
    return _offer(step_sound(lesson.steps[step], step + 1, lesson.language, _source(lesson),
                             current_app.config["NARRATION_CONFIG"]))


def question_audio(lesson, index: int) -> dict:
    """{state, url, recorded} for question `index` (from 0) of the lesson's quiz."""
    question = asdict(lesson.quiz.questions[index])
    return _offer(question_sound(question, index + 1, lesson.language, _source(lesson),
                                 current_app.config["NARRATION_CONFIG"]))


def feedback_audio(lesson, feedback: str) -> dict:
    """{state, url, recorded} for one feedback the result page shows, in the lesson's language."""
    return _offer(feedback_sound(feedback, lesson.language, current_app.config["NARRATION_CONFIG"]))


def prompt_audio(screen: str) -> dict:
    """{state, url, recorded} for a first screen's prompt ('who', 'new', 'pin') in the page's language."""
    return _offer(prompt_sound(screen, gettext, request_language(), current_app.config["NARRATION_CONFIG"]))
