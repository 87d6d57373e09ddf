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


def known_language(code) -> str | None:
    """`code` when the kiosk speaks it, else None: nothing else from a form or cookie goes further."""
    return code if isinstance(code, str) and code in LANGUAGES else None


def cookie_language() -> str | None:
    """The language chosen before logging in (the `lang` cookie), if it is one the kiosk speaks."""
    return known_language(request.cookies.get("lang")) if request else None


def select_locale() -> str:
    """The learner's preference, then the `lang` cookie, then Accept-Language, then the kiosk's default."""
    learner = getattr(g, "learner", None)
    chosen = known_language((learner.prefs or {}).get("language")) if learner is not None else None
    chosen = chosen or cookie_language()
    if chosen:
        return chosen
    best = request.accept_languages.best_match(list(LANGUAGES)) if request else None
    return best or current_app.config["DEFAULT_LANGUAGE"]


def direction(code: str) -> str:
    return LANGUAGES[code].direction if code in LANGUAGES else "ltr"
