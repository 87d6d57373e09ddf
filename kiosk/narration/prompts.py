"""The first screens' spoken prompts (who is learning, new card, secret code), in every kiosk language.

Each prompt is the screen's own words, taken from the translations the page uses, so the clip a page asks
for (its text in the page's language) is exactly the clip the worker made once at start-up.
"""
from __future__ import annotations

from pathlib import Path

from babel.support import Translations

from .texts import full_stop

SCREENS = {
    "who": ("Who is learning?", "Choose your card. If this is your first time, press “I’m new here”."),
    "new": ("Welcome! Let’s make your card", "Your first name or a nickname", "Choose a picture for your card",
            "A secret code (optional)"),
    "pin": ("Type your secret code (4 digits)",),
}


def prompt_text(screen: str, gettext) -> str:
    """What the screen's clip says, with `gettext` the page's (or a language's) translation function."""
    return "\n".join(full_stop(gettext(msgid)) for msgid in SCREENS[screen])


def all_prompts(locales_dir: Path | None, languages) -> list[tuple[str, str, str]]:
    """(language, screen, text) for every screen in every language, read from the compiled catalogues
    (none without them: an English prompt in an Arabic voice would help nobody)."""
    found = []
    for lang in sorted(languages) if locales_dir else []:
        gettext = Translations.load(str(locales_dir), [lang]).gettext
        found += [(lang, screen, prompt_text(screen, gettext)) for screen in SCREENS]
    return found
