"""The facilitator's overview of narration: which steps, questions and feedbacks cannot be heard yet, and why.

Files are looked at, nothing is made: the same `sound_of` a page uses says whether each clip is there, being
made, or has no voice on this kiosk. Arabic written without vowel marks is flagged even when its clips
exist: espeak-ng guesses the vowels, often wrongly, so a trainer's recording is better there.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..content.levels import spoken_language
from ..models import LessonVersion
from . import encode
from .choice import engine_for
from .plan import MAKING, NO_ENGINE, NarrationConfig, items_of, sound_of

ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
VOWEL_MARK = re.compile(r"[\u064B-\u0652]")
VOWELLED = 0.3          # vowel marks per letter above which a text counts as vocalised


@dataclass
class LessonAudio:
    """One lesson version: what can be heard, and what cannot yet, by reason."""

    title: str
    language: str
    source: str
    heard: int = 0
    recorded: int = 0
    making: list = field(default_factory=list)       # ("step" | "question" | "feedback", number)
    no_engine: list = field(default_factory=list)
    unvowelled: bool = False

    @property
    def total(self) -> int:
        return self.heard + len(self.making) + len(self.no_engine)

    @property
    def stem(self) -> str:
        """The lesson file's name without `.md`: recordings are named after it."""
        return Path(self.source).name.rsplit(".", 1)[0]


def without_vowel_marks(text: str) -> bool:
    """Whether Arabic text is written the usual way, without vowel marks (espeak-ng then guesses them)."""
    letters = len(ARABIC_LETTER.findall(text))
    return letters > 0 and len(VOWEL_MARK.findall(text)) < VOWELLED * letters


def engines(config: NarrationConfig, languages) -> dict:
    """{language: the engine's name, or None when this kiosk cannot speak it}."""
    usable = config.enabled and encode.encoder_installed()
    found = {lang: engine_for(lang, config.voices_dir, config.piper_command) if usable else None
             for lang in sorted(languages)}
    return {lang: engine.name if engine else None for lang, engine in found.items()}


def overview(config: NarrationConfig) -> list[LessonAudio]:
    """Every lesson version, in catalogue order, with what of it can be heard now (on the caller's connection)."""
    rows = (LessonVersion.select(LessonVersion.title, LessonVersion.language, LessonVersion.steps,
                                 LessonVersion.quiz, LessonVersion.source)
            .order_by(LessonVersion.source).tuples())
    return [_lesson(title, spoken_language(lang), steps, quiz, source, config)
            for title, lang, steps, quiz, source in rows]


def _lesson(title, lang, steps, quiz, source, config) -> LessonAudio:
    found = LessonAudio(title, lang, source)
    path = config.content_dir.parent / source
    for item in items_of(steps, quiz):
        sound = sound_of(item, lang, path if item.kind != "feedback" else None, config)
        if sound.state == MAKING:
            found.making.append((item.kind, item.number))
        elif sound.state == NO_ENGINE:
            found.no_engine.append((item.kind, item.number))
        else:
            found.heard += 1
            found.recorded += sound.recording is not None
        if sound.recording is None and lang == "ar" and without_vowel_marks(item.text):
            found.unvowelled = True
    return found
