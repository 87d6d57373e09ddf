"""Guessing the language a lesson is written in, when its folder declares none (langdetect, seeded)."""
from __future__ import annotations

import functools
import re
import threading

# The kiosk's languages and the ones trainers most often bring beside them. Loading only these
# profiles keeps the detector small (about 5 MB and 0.15 s, against 65 MB for all 55) and lowers the
# odds of a near neighbour (Catalan for French) winning on a short text.
CANDIDATES = ("fr", "en", "ar", "es", "pt", "de", "it", "nl", "tr", "ro", "sw", "fa", "ru", "uk", "pl")
MIN_LETTERS = 40          # below this, a guess is a coin toss
MIN_PROBABILITY = 0.80
WORDLESS = re.compile(r"`[^`\n]*`|https?://\S+|[\d_#*>\[\](){}|=~:/\\.-]+")

_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _factory():
    """The detector's language profiles, read once; the seed makes every run give the same answer."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory  # only while indexing

    factory = DetectorFactory()
    profiles = []
    for code in CANDIDATES:
        with open(f"{PROFILES_DIRECTORY}/{code}", encoding="utf-8") as profile:
            profiles.append(profile.read())
    factory.load_json_profile(profiles)
    factory.set_seed(0)
    return factory


def detect_language(text: str) -> str | None:
    """The two-letter code of the text's language, or None when the text is too short or unclear."""
    words = WORDLESS.sub(" ", text)
    if sum(ch.isalpha() for ch in words) < MIN_LETTERS:
        return None
    from langdetect.lang_detect_exception import LangDetectException  # only while indexing

    with _lock:                       # the detector is seeded per call: one at a time gives one answer
        detector = _factory().create()
        detector.append(words[:20000])
        try:
            best = detector.get_probabilities()
        except LangDetectException:
            return None
    if not best or best[0].prob < MIN_PROBABILITY:
        return None
    return best[0].lang
