"""Piper: a natural neural voice, used for a language when a centre puts its voice in the voices folder.

A voice is two files from Piper's voice list, `en_US-joe-medium.onnx` and `en_US-joe-medium.onnx.json`;
the name's first letters say its language. Nothing is downloaded: a voice is there or it is not.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from .engines import Engine, EngineFailed, gently


def find_voice(folder: Path, lang: str) -> Path | None:
    """The first `.onnx` voice for `lang` (with its `.onnx.json` beside it) in the folder, or None."""
    if not folder.is_dir():
        return None
    for model in sorted(folder.glob("*.onnx")):
        code = model.name.split("_")[0].split("-")[0].lower()
        if code == lang and model.with_name(model.name + ".json").is_file():
            return model
    return None


class PiperEngine(Engine):
    name = "piper"

    def __init__(self, command: str, model: Path):
        self.command, self.model = command, model
        self.voice = model.stem
        self.languages = frozenset({model.name.split("_")[0].split("-")[0].lower()})
        stat = model.stat()     # a changed voice file makes new clips
        self.version = hashlib.sha256(f"{model.name}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]

    @classmethod
    def if_installed(cls, model: Path, command: str = "piper") -> PiperEngine | None:
        found = shutil.which(command)
        return cls(found, model) if found else None

    def synthesise(self, text: str, lang: str) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "clip.wav"
            done = subprocess.run(gently([self.command, "-m", str(self.model), "-c", str(self.model) + ".json",
                                          "-f", str(out)]), input=text.encode(), capture_output=True, timeout=600,
                                  check=False)
            if done.returncode != 0 or not out.is_file():
                raise EngineFailed(done.stderr.decode(errors="replace")[-200:] or "piper gave no sound")
            return out.read_bytes()
