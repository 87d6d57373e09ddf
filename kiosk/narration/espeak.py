"""espeak-ng: small, free and offline, speaks French, English and Arabic (Debian's `espeak-ng` package)."""
from __future__ import annotations

import re
import shutil
import subprocess

from .engines import Engine, EngineFailed, gently

VOICES = {"fr": "fr-fr", "en": "en-gb", "ar": "ar"}
SPEED = 150            # words a minute; espeak-ng's own 175 is fast for a learner who reads with difficulty


class EspeakEngine(Engine):
    name = "espeak-ng"
    languages = frozenset(VOICES)

    def __init__(self, command: str, version: str):
        self.command, self.version = command, version

    @classmethod
    def if_installed(cls) -> EspeakEngine | None:
        command = shutil.which("espeak-ng")
        if command is None:
            return None
        try:
            out = subprocess.run([command, "--version"], capture_output=True, text=True, timeout=10,
                                 check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        match = re.search(r"text-to-speech:\s*(\S+)", out)
        return cls(command, match.group(1) if match else out.strip()[:40])

    def synthesise(self, text: str, lang: str) -> bytes:
        # Text on stdin, never on the command line: a long step would not fit, and nothing is parsed there.
        done = subprocess.run(gently([self.command, "-b", "1", "-s", str(SPEED), "-v", VOICES[lang], "--stdout"]),
                              input=text.encode(), capture_output=True, timeout=300, check=False)
        if done.returncode != 0 or not done.stdout.startswith(b"RIFF"):
            raise EngineFailed(done.stderr.decode(errors="replace")[:200] or "espeak-ng gave no sound")
        return done.stdout

    def identity(self, lang: str) -> str:
        return f"{self.name}:{self.version}:{VOICES.get(lang, lang)}:{SPEED}:{lang}"
