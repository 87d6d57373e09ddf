"""Text a person typed, made fit to keep and to sync: one line, Unicode NFC, no control characters.

Names and typed quiz answers both pass here, so a NUL or an escape character pasted into a form is
refused with a message instead of reaching the database or the hub (sync.wire.checks).
"""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Control characters but tab, newline and carriage return (one_line makes those spaces), lone
# surrogates, and U+FFFD, which stands for bytes a browser sent that were not UTF-8.
_UNKEEPABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd]")


def one_line(text: str) -> str:
    """NFC, every run of spaces, tabs or newlines as one space, trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def unkeepable(text: str) -> str | None:
    """The first character the kiosk will not keep in typed text, or None."""
    found = _UNKEEPABLE.search(text or "")
    return found.group() if found else None


def bounded(text: str, limit: int) -> str:
    """Text that is not a person's input (a course title, a centre's name) cleaned and cut to fit an event."""
    clean = one_line(_UNKEEPABLE.sub("", text or ""))
    return clean if len(clean) <= limit else clean[:limit - 1].rstrip() + "…"
