"""Languages the kiosk speaks, and which one a request gets."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, request


@dataclass(frozen=True)
class Language:
    code: str
    native_name: str
    direction: str = "ltr"


LANGUAGES = {
    "fr": Language("fr", "Français"),
    "en": Language("en", "English"),
    "ar": Language("ar", "العربية", "rtl"),
}


def select_locale() -> str:
    """The learner's preference, then the browser's Accept-Language, then the kiosk's default."""
    learner = getattr(g, "learner", None)
    if learner is not None and learner.prefs.get("language") in LANGUAGES:
        return learner.prefs["language"]
    chosen = request.cookies.get("lang") if request else None
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(list(LANGUAGES)) if request else None
    return best or current_app.config["DEFAULT_LANGUAGE"]


def direction(code: str) -> str:
    return LANGUAGES[code].direction if code in LANGUAGES else "ltr"
