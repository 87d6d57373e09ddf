"""The easy-to-read level of a lesson: how its files are named and how its versions are stored.

A lesson's easy version is a sibling file with `.easy` before the language code: `01-the-mouse.easy.md`
(the course's language) and `01-the-mouse.easy.fr.md`. It is stored as one more version of the same
lesson, under its language with a private-use subtag (`fr-x-easy`, a valid BCP 47 tag), so progress,
quizzes and certificates count the same lesson whichever level is read.
"""
from __future__ import annotations

EASY_MARK = ".easy"
EASY_TAG = "-x-easy"


def split_level(base: str) -> tuple[str, bool]:
    """'01-the-mouse.easy' → ('01-the-mouse', True); a standard lesson's base → (base, False)."""
    if base.endswith(EASY_MARK) and len(base) > len(EASY_MARK):
        return base[:-len(EASY_MARK)], True
    return base, False


def easy_language(language: str) -> str:
    """The stored language of a lesson's easy version: 'fr' → 'fr-x-easy'."""
    return f"{language}{EASY_TAG}"


def is_easy(stored: str) -> bool:
    return stored.endswith(EASY_TAG)


def spoken_language(stored: str) -> str:
    """The language a stored version is written (and spoken) in: 'fr-x-easy' → 'fr'."""
    return stored.removesuffix(EASY_TAG)
