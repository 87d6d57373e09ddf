"""The few words Relais writes into lesson HTML itself (box titles, code labels), in the lesson's language.

Lessons are rendered once, at index time, so these words are chosen by the lesson's language, not the
learner's: they sit inside text written in that language.
"""
from __future__ import annotations

import functools
from pathlib import Path

LOCALES = Path(__file__).resolve().parents[2] / "locales"


def N_(message: str) -> str:
    """Marks a message for extraction (pybabel knows N_); it is translated later, in label()."""
    return message


LABELS = {
    "note": N_("Note"),
    "tip": N_("Tip"),
    "warning": N_("Warning"),
    "exercise": N_("Exercise"),
    "solution": N_("Solution"),
    "code": N_("Code"),
    "output": N_("Output"),
    "error": N_("Error message"),
    "table": N_("Table"),
}


@functools.lru_cache(maxsize=16)
def _translations(language: str):
    from babel.support import NullTranslations, Translations  # only while indexing

    if not language or not LOCALES.is_dir():
        return NullTranslations()
    return Translations.load(str(LOCALES), [language])


def label(key: str, language: str | None) -> str:
    """The label for a box kind or a code block, in `language` when the kiosk has it, else English."""
    return _translations(language or "en").gettext(LABELS[key])
