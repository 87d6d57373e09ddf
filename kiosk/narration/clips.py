"""Clips named by what they say: a hash of (text, language, voice, engine version), made once, kept.

An unchanged sentence keeps its name, so it is never synthesised again; a changed one gets a new name.
Each file is written to a temporary name and renamed, so a half-written clip is never served.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import encode
from .engines import Engine

FOLDER = "narration"
SUFFIX = ".opus"
NAME = re.compile(r"^[0-9a-f]{32}\.opus$")


_written = [0]      # clips this process has written: a page that found none yet asks again after each


def written_here() -> int:
    """How many clips this process has written so far (the narration worker runs in the kiosk's process)."""
    return _written[0]


def clip_name(text: str, lang: str, engine: Engine) -> str:
    digest = hashlib.sha256(f"{engine.identity(lang)}\n{text}".encode()).hexdigest()
    return digest[:32] + SUFFIX


def folder_of(data_dir: Path) -> Path:
    return Path(data_dir) / FOLDER


@dataclass
class Made:
    """What one clip cost: seconds of sound and bytes on disk (0, 0 when it was already there)."""

    name: str
    seconds: float = 0.0
    size: int = 0
    synthesised: bool = False


def make_clip(text: str, lang: str, engine: Engine, data_dir: Path) -> Made:
    """The clip for this text, synthesised only when no clip of the same name exists yet."""
    name = clip_name(text, lang, engine)
    folder = folder_of(data_dir)
    target = folder / name
    if target.is_file():
        return Made(name)
    wav = engine.synthesise(text, lang)
    audio = encode.to_opus(wav)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(audio)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _written[0] += 1
    return Made(name, encode.wav_seconds(wav), len(audio), True)
