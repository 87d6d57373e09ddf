"""Which engine speaks a given language on this kiosk: a centre's Piper voice, else espeak-ng (the command,
else the `espeakng-loader` wheel's library), else none."""
from __future__ import annotations

import functools
from pathlib import Path

from . import encode, espeak, espeak_library, piper
from .engines import Engine


def engine_for(lang: str, voices_dir: str | Path | None, piper_command: str = "piper") -> Engine | None:
    """The best voice for `lang`: a Piper voice the centre put in `voices_dir`, else espeak-ng, else None."""
    return _engine_for(lang, str(voices_dir or ""), piper_command)


@functools.lru_cache(maxsize=32)
def _engine_for(lang: str, voices_dir: str, piper_command: str) -> Engine | None:
    if voices_dir:
        voice = piper.find_voice(Path(voices_dir), lang)
        if voice is not None:
            engine = piper.PiperEngine.if_installed(voice, piper_command)
            if engine is not None:
                return engine
    engine = espeak.EspeakEngine.if_installed() or _library()
    return engine if engine is not None and lang in engine.languages else None


@functools.lru_cache(maxsize=1)
def _library() -> espeak_library.EspeakLibraryEngine | None:
    """The wheel's espeak-ng, loaded once per process (its library cannot be loaded twice)."""
    return espeak_library.EspeakLibraryEngine.if_installed()


def forget_engines() -> None:
    """Look again for engines and voices (after a centre installed one; in tests)."""
    _engine_for.cache_clear()
    encode.encoder_installed.cache_clear()
