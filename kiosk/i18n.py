"""Languages the kiosk speaks, and which one a request gets."""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from babel import Locale
from flask import current_app, g, request
from flask_babel import get_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header


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
    if not request:
        return None
    cookies = request.cookies          # `in` first: a missing key's .get() raises and catches a KeyError
    return known_language(cookies["lang"]) if "lang" in cookies else None


def request_language() -> str:
    """The request's language code: flask-babel's locale (select_locale, worked out once per request, or
    the one a `force_locale` block sets), as text."""
    return _code(get_locale())


@functools.lru_cache(maxsize=16)
def _code(locale: Locale) -> str:
    return str(locale)          # babel builds it anew each time; views, kept pages and templates all ask


def select_locale() -> Locale:
    """The learner's preference, then the `lang` cookie, then the browser's languages, then the kiosk's default.

    Returned parsed (flask-babel takes a Locale as it is): each language is parsed once, not per request.

    The kiosk's own screen (a request from an address in KIOSK_SCREEN, 127.0.0.1 by default) skips the
    browser's languages: its browser says what the machine was installed with (often en-GB), not what
    the centre speaks. A learner's phone on the Wi-Fi still gets the language its browser asks for.
    """
    return parsed(choose_language(getattr(g, "learner", None), cookie_language(), not request or on_kiosk_screen(),
                                  lambda: request.accept_languages.best_match(_CODES)))


def choose_language(learner, cookie_code: str | None, on_screen: bool, browser: Callable[[], str | None]) -> str:
    """select_locale's rule as a code, from its parts (the kept pages' express lane has no Flask request):
    `browser()` is the best of the browser's languages the kiosk speaks, asked only when it counts."""
    chosen = known_language((learner.prefs or {}).get("language")) if learner is not None else None
    chosen = chosen or cookie_code
    if chosen:
        return chosen
    default = current_app.config["DEFAULT_LANGUAGE"]
    return default if on_screen else browser() or default


_CODES = tuple(LANGUAGES)


@functools.lru_cache(maxsize=64)
def browser_language(accept_language: str) -> str | None:
    """The best language of an Accept-Language header the kiosk speaks (request.accept_languages's)."""
    return parse_accept_header(accept_language, LanguageAccept).best_match(_CODES)


@functools.lru_cache(maxsize=16)
def parsed(code: str) -> Locale:
    """The babel Locale of a language code, parsed once (parsing costs more than a small page's view)."""
    return Locale.parse(code)


def on_kiosk_screen() -> bool:
    """Whether this request comes from the kiosk's own screen (its address is listed in KIOSK_SCREEN)."""
    return on_screen_address(request.remote_addr)


def on_screen_address(address: str | None) -> bool:
    """Whether a request from `address` comes from the kiosk's own screen (KIOSK_SCREEN lists them)."""
    return address in current_app.config["KIOSK_SCREEN"].split()


def direction(code: str) -> str:
    return LANGUAGES[code].direction if code in LANGUAGES else "ltr"
