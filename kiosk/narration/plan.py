"""Which sound a page offers for each step and question: a trainer's recording, else a made clip.

Recordings win. Beside a lesson file `01-the-mouse.fr.md` a trainer may put, per step or question
(numbered from 1, as the learner sees them), `01-the-mouse.fr.step-2.opus` or `01-the-mouse.fr.question-3.mp3`
(also .ogg, .m4a, .wav); a lesson file without a language code (`01-the-mouse.md`) takes
`01-the-mouse.step-2.opus` or `01-the-mouse.en.step-2.opus`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from . import clips, encode, prompts, texts
from .choice import engine_for

RECORDING_EXT = (".opus", ".ogg", ".mp3", ".m4a", ".wav")
READY, MAKING, NO_ENGINE = "ready", "making", "no-engine"


@dataclass(frozen=True)
class NarrationConfig:
    """The settings narration reads, taken from the kiosk's configuration once."""

    data_dir: Path
    content_dir: Path
    voices_dir: Path | None = None
    piper_command: str = "piper"
    enabled: bool = True
    locales_dir: Path | None = None        # the compiled translations, for the first screens' prompts


@dataclass
class Sound:
    """One step's or question's sound: a recording's URL, a clip's name, or the reason there is none."""

    state: str
    clip: str | None = None
    recording: str | None = None


@dataclass
class Item:
    """Something a learner reads that can be heard: kind is step, question, feedback or prompt."""

    kind: str
    number: int            # from 1, as the learner counts
    text: str


def items_of(steps: list[dict], quiz: dict | None) -> list[Item]:
    """Everything of one lesson version that is narrated, in reading order."""
    found = [Item("step", n, t) for n, t in enumerate(texts.step_texts(steps or []), 1)]
    for n, question in enumerate((quiz or {}).get("questions", []), 1):
        found.append(Item("question", n, texts.question_text(question)))
        found += [Item("feedback", n, t) for t in texts.feedback_texts(question)]
    return found


def recording(source: Path, lang: str, kind: str, number: int) -> Path | None:
    """A trainer's recording for this step or question of the lesson file `source`, if there is one."""
    stems = {source.stem}
    if "." not in source.stem:
        stems.add(f"{source.stem}.{lang}")
    for stem in sorted(stems):
        for ext in RECORDING_EXT:
            path = source.with_name(f"{stem}.{kind}-{number}{ext}")
            if path.is_file():
                return path
    return None


def step_sound(step: dict, number: int, lang: str, source: Path | None, config: NarrationConfig) -> Sound:
    """What step `number` (from 1) offers now: files are looked at, nothing is made."""
    return sound_of(Item("step", number, texts.step_texts([step])[0]), lang, source, config)


def question_sound(question: dict, number: int, lang: str, source: Path | None,
                   config: NarrationConfig) -> Sound:
    return sound_of(Item("question", number, texts.question_text(question)), lang, source, config)


def feedback_sound(feedback: str, lang: str, config: NarrationConfig) -> Sound:
    """A feedback's clip on the result page (feedbacks have no recordings: they are short and many)."""
    spoken = texts.feedback_text(feedback) if feedback.strip() else ""
    return sound_of(Item("feedback", 0, spoken), lang, None, config)


def prompt_sound(screen: str, gettext, lang: str, config: NarrationConfig) -> Sound:
    """A first screen's prompt, in the page's language (`gettext` is the page's translation function)."""
    return sound_of(Item("prompt", 0, prompts.prompt_text(screen, gettext)), lang, None, config)


def sound_of(item: Item, lang: str, source: Path | None, config: NarrationConfig) -> Sound:
    recorded = recording(source, lang, item.kind, item.number) if source else None
    if recorded is None and not item.text:
        return Sound(NO_ENGINE)
    if recorded is not None:
        return Sound(READY, recording=_media_url(recorded, config.content_dir))
    usable = config.enabled and encode.encoder_installed()
    engine = engine_for(lang, config.voices_dir, config.piper_command) if usable else None
    if engine is None:
        return Sound(NO_ENGINE)
    name = clips.clip_name(item.text, lang, engine)
    ready = (clips.folder_of(config.data_dir) / name).is_file()
    return Sound(READY if ready else MAKING, clip=name if ready else None)


def _media_url(path: Path, content_dir: Path) -> str:
    """The recording through the kiosk's media route (the same URL indexing gives lesson media)."""
    rel = path.resolve().relative_to(content_dir.resolve())
    return f"/media/{quote(str(rel))}?v={int(path.stat().st_mtime)}"
