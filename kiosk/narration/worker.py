"""Making the missing clips after indexing, in a background thread, so start-up never waits for speech.

The thread reads the catalogue a few lessons at a time on short connections of its own and synthesises
one clip at a time; pages keep serving meanwhile and offer each clip as soon as its file is there.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..content.levels import spoken_language
from ..db import database
from ..i18n import LANGUAGES
from ..models import LessonVersion
from . import clips, encode
from .choice import engine_for
from .plan import Item, NarrationConfig, items_of, recording
from .prompts import all_prompts

log = logging.getLogger(__name__)


@dataclass
class Tally:
    """What a run made: clips synthesised, found already made, replaced by recordings, failed."""

    synthesised: int = 0
    cached: int = 0
    recorded: int = 0
    no_engine: int = 0
    failed: int = 0
    audio_seconds: float = 0.0
    audio_bytes: int = 0
    synthesis_seconds: float = 0.0
    by_language: dict = field(default_factory=dict)


PAGE = 20    # lesson versions read at a time


def lesson_versions() -> Iterator[tuple[str, list, dict | None, str]]:
    """(language, steps, quiz, source) of every lesson version; an easy-to-read version ('fr-x-easy') is
    spoken in its language ('fr'). Read PAGE at a time, each page on a short connection of this thread's
    own: neither the whole catalogue's text (4.5 MB for 1,000 lessons, and the heap it grew stayed with the
    process) nor a read transaction is held while clips are made."""
    after = 0
    while True:
        with database.connection_context():
            rows = list(LessonVersion.select(LessonVersion.id, LessonVersion.language, LessonVersion.steps,
                                             LessonVersion.quiz, LessonVersion.source)
                        .where(LessonVersion.id > after).order_by(LessonVersion.id).limit(PAGE).tuples())
        if not rows:
            return
        for _id, lang, steps, quiz, source in rows:
            yield spoken_language(lang), steps, quiz, source
        after = rows[-1][0]


def make_missing(config: NarrationConfig, stop: threading.Event | None = None,
                 languages: set | None = None, screens: bool = True) -> Tally:
    """Synthesise every clip the catalogue needs and does not have yet; recordings need none.
    `screens`: the first screens' prompts too, in every kiosk language (or in `languages`)."""
    tally = Tally()
    if not encode.encoder_installed():
        return tally
    for lang, steps, quiz, source in lesson_versions():
        if languages and lang not in languages:
            continue
        path = config.content_dir.parent / source
        for item in items_of(steps, quiz):
            if stop is not None and stop.is_set():
                return tally
            _make_one(item, lang, path, config, tally)
    for lang, _screen, text in all_prompts(config.locales_dir, languages or LANGUAGES) if screens else []:
        if stop is not None and stop.is_set():
            return tally
        _make_one(Item("prompt", 0, text), lang, None, config, tally)
    return tally


def _make_one(item, lang: str, source: Path | None, config: NarrationConfig, tally: Tally) -> None:
    if not item.text:
        return
    if item.kind in ("step", "question") and recording(source, lang, item.kind, item.number):
        tally.recorded += 1
        return
    engine = engine_for(lang, config.voices_dir, config.piper_command)
    if engine is None:
        tally.no_engine += 1
        return
    started = time.perf_counter()
    try:
        made = clips.make_clip(item.text, lang, engine, config.data_dir)
    except Exception as error:  # noqa: BLE001 -- the engine or opusenc failed on this text: note it, go on with the next
        tally.failed += 1
        log.warning("narration: no clip for %s %s of %s: %s", item.kind, item.number,
                    source.name if source else "the first screens", error)
        return
    if not made.synthesised:
        tally.cached += 1
        return
    tally.synthesised += 1
    tally.synthesis_seconds += time.perf_counter() - started
    tally.audio_seconds += made.seconds
    tally.audio_bytes += made.size
    per = tally.by_language.setdefault(lang, {"clips": 0, "seconds": 0.0, "bytes": 0, "synthesis": 0.0})
    per["clips"] += 1
    per["seconds"] += made.seconds
    per["bytes"] += made.size
    per["synthesis"] += time.perf_counter() - started


class NarrationWorker:
    """One background run of make_missing; `stop()` ends it between two clips and waits for it."""

    def __init__(self, config: NarrationConfig):
        self.config = config
        self.stopping = threading.Event()
        self.done = threading.Event()
        self.tally: Tally | None = None
        self.thread = threading.Thread(target=self._run, name="narration", daemon=True)

    def start(self) -> NarrationWorker:
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            self.tally = make_missing(self.config, self.stopping)
        except Exception:                # a broken catalogue must not take the kiosk down with it
            log.exception("narration stopped")
        finally:
            self.done.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self.done.wait(timeout)

    def stop(self, timeout: float = 30) -> None:
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(timeout)
