"""Speech WAV to mono Ogg Opus at a low bitrate (opus-tools' `opusenc`), and how long a WAV lasts."""
from __future__ import annotations

import functools
import io
import shutil
import subprocess
import wave

from .engines import gently

BITRATE_KBPS = 16          # plenty for one voice; about 120 KB a minute


@functools.lru_cache(maxsize=1)
def encoder_installed() -> bool:
    return shutil.which("opusenc") is not None


def to_opus(wav: bytes) -> bytes:
    """Ogg Opus bytes for the WAV; raises OSError or CalledProcessError when opusenc cannot."""
    done = subprocess.run(gently(["opusenc", "--quiet", "--bitrate", str(BITRATE_KBPS), "--downmix-mono",
                                  "--speech", "-", "-"]), input=wav, capture_output=True, timeout=300, check=True)
    return done.stdout


def wav_seconds(wav: bytes) -> float:
    """Length of the sound; espeak-ng writes an unknown length in its header when piped, so count the data."""
    with wave.open(io.BytesIO(wav)) as reader:
        rate, width, channels = reader.getframerate(), reader.getsampwidth(), reader.getnchannels()
    data_at = wav.find(b"data") + 8
    return max(0, len(wav) - data_at) / (rate * width * channels)
