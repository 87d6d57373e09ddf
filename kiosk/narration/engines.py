"""What a narration engine is: a name, a version, its languages, and text in, WAV out."""
from __future__ import annotations

import shutil


class Engine:
    """A voice that turns text into speech; `synthesise` returns WAV bytes (mono PCM)."""

    name = "engine"
    version = ""
    languages: frozenset = frozenset()
    voice = ""

    def synthesise(self, text: str, lang: str) -> bytes:
        raise NotImplementedError

    def identity(self, lang: str) -> str:
        """What, besides the text, changes the sound: part of every clip's name."""
        return f"{self.name}:{self.version}:{self.voice}:{lang}"


class EngineFailed(Exception):
    """The engine ran but gave no sound (a bad voice file, a crash): the clip is left for another try."""


def gently(command: list[str]) -> list[str]:
    """The command at the lowest CPU priority: clips are made while learners use the kiosk, pages come first.

    Linux's SCHED_IDLE (`chrt --idle 0`) runs it only on CPU time no page wants; `nice -n 10` alone still
    took about a tenth of a busy core from the pages (CFS shares by weight). Without chrt, nice it is."""
    chrt, nice = shutil.which("chrt"), shutil.which("nice")
    if chrt:
        return [chrt, "--idle", "0", *command]
    return [nice, "-n", "10", *command] if nice else command
