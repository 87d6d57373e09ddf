"""espeak-ng without root: the library and voices of the `espeakng-loader` wheel, called in-process.

Used when no `espeak-ng` command is installed (`pip install espeakng-loader` into the kiosk's venv is
enough). It speaks as the command does, at the same pace, and gives a WAV to the same encoder.
"""
from __future__ import annotations

import ctypes
import io
import threading
import wave

from .engines import Engine, EngineFailed
from .espeak import SPEED, VOICES

RETRIEVAL = 1                   # espeak_AUDIO_OUTPUT: hand the samples to our callback
DONT_EXIT = 0x8000              # espeakINITIALIZE_DONT_EXIT: an error returns, never ends the kiosk
RATE, CHARS_UTF8, POS_CHARACTER = 1, 1, 1
PATH_MAX = 150                  # espeak-ng keeps the data path in 160 bytes; a longer one is refused here
NAMES = {"fr": "fr", "en": "en", "ar": "ar"}      # the library's names for the command's fr-fr, en-gb, ar
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class EspeakLibraryEngine(Engine):
    name = "espeak-ng"
    languages = frozenset(NAMES)
    _lock = threading.Lock()        # one library per process, not thread-safe: one clip at a time

    def __init__(self, library, rate: int, version: str):
        self.library, self.rate, self.version = library, rate, version
        self._samples: list[bytes] = []
        self._callback = CALLBACK(self._take)      # kept: the library holds a pointer to it

        library.espeak_SetSynthCallback(self._callback)

    @classmethod
    def if_installed(cls) -> EspeakLibraryEngine | None:
        try:
            import espeakng_loader  # optional: only kiosks installed without root have it
        except ImportError:
            return None
        data = str(espeakng_loader.get_data_path())
        if len(data.encode()) > PATH_MAX:
            return None
        try:
            library = ctypes.CDLL(str(espeakng_loader.get_library_path()))
        except OSError:
            return None
        library.espeak_Info.restype = ctypes.c_char_p
        rate = library.espeak_Initialize(RETRIEVAL, 0, data.encode(), DONT_EXIT)
        if rate <= 0:
            return None
        version = library.espeak_Info(None).decode(errors="replace").split()[0]
        return cls(library, rate, version)

    def _take(self, samples, count, _events) -> int:
        if count > 0:
            self._samples.append(ctypes.string_at(samples, count * 2))
        return 0

    def synthesise(self, text: str, lang: str) -> bytes:
        data = text.encode() + b"\0"
        with self._lock:
            self._samples = []
            if self.library.espeak_SetVoiceByName(NAMES[lang].encode()) != 0:
                raise EngineFailed(f"espeak-ng has no voice {NAMES[lang]}")
            self.library.espeak_SetParameter(RATE, SPEED, 0)
            failed = self.library.espeak_Synth(data, len(data), 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
            self.library.espeak_Synchronize()
            pcm = b"".join(self._samples)
        if failed or not pcm:
            raise EngineFailed("espeak-ng (library) gave no sound")
        out = io.BytesIO()
        with wave.open(out, "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(self.rate)
            writer.writeframes(pcm)
        return out.getvalue()

    def identity(self, lang: str) -> str:
        return f"{self.name}:{self.version}:{VOICES.get(lang, lang)}:{SPEED}:{lang}"
