"""How an event's type and payload are kept on disk: short forms the hub reads back exactly.

Types: each of the protocol's event types is kept as its number in `TYPES` (`~0` for lesson.progressed,
3 bytes instead of 18); a type not in the list (a hub's oldest events) is kept as it is.

Payloads, in a positional form: the values of a known set of keys, without the keys. A kiosk's payloads
have a few shapes (a lesson's progress, a quiz attempt, a certificate…), and their keys were most of the
bytes stored per event. A payload whose keys are exactly one of `SHAPES` is kept
as `~N:` followed by its values in key order (`~0:"c","lesson-3","started",2,7,80,false`); any other
payload is kept as its canonical JSON, which always begins with `{`. Reading gives the canonical JSON
back, byte for byte: a payload is only written in the short form when it reads back the same.

Clocks: an event's hybrid logical clock (`WWWWWWWWWWWWWWW-CCCCCC`, 22 characters) is kept as 10 bytes,
the wall time in 7 and the counter in 3 (migration 15); any other text (a hub's oldest events) is kept as
`~` and its UTF-8, which the 10-byte form never begins with (its first byte is below 4).

`TYPES` and `SHAPES` only ever grow at their end: a number written on disk must keep naming the same thing.
"""
from __future__ import annotations

import json
import re

import peewee as pw

from sync.wire import checks

TYPES: tuple[str, ...] = (
    "lesson.progressed", "lesson.completed", "quiz.attempted", "certificate.issued", "learner.created",
    "learner.renamed", "learner.prefs", "learner.pin", "learner.roaming", "learner.erased",
)
MARK = "~"                 # never the first character of JSON, nor of an event type
_CODE = {name: f"{MARK}{number}" for number, name in enumerate(TYPES)}
_NAME = {code: name for name, code in _CODE.items()}

# Sorted keys, as canonical JSON orders them; the position is the number written on disk.
SHAPES: tuple[tuple[str, ...], ...] = (
    ("course", "lesson", "status", "step", "steps_total", "time_spent", "with_help"),          # lesson.*
    ("answers", "attempt", "correct", "course", "lesson", "passed", "score", "total", "with_help"),  # quiz
    ("answers", "answers_cut", "attempt", "correct", "course", "lesson", "passed", "score", "total", "with_help"),
    ("centre", "code", "course", "course_title", "issued_at", "name"),                          # certificate
    ("centre", "code", "course", "course_title", "credential", "issued_at", "name"),
    ("name", "picture", "pin_hash", "prefs"),                                                   # learner.created
    ("name",), ("prefs",), ("pin_hash",), ("local_only",), ("merged_into",),
)
_NUMBER = {keys: number for number, keys in enumerate(SHAPES)}


def recoded_types_sql(column: str = "type") -> str:
    """SQL giving `column`'s value with every known type name as its code (for moving rows already held)."""
    cases = " ".join(f"WHEN '{name}' THEN '{code}'" for name, code in _CODE.items())
    return f"CASE {column} {cases} ELSE {column} END"


def type_code(name: str | None) -> str | None:
    """The form kept on disk for an event type."""
    return _CODE.get(name, name)


def type_name(stored: str | None) -> str | None:
    """The event type kept on disk as `stored` (either form)."""
    return _NAME.get(stored, stored)


def compact(text: str | None) -> str | None:
    """The form kept on disk for a payload given as canonical JSON (None stays None)."""
    if text is None or not text.startswith("{"):
        return text
    try:
        payload = json.loads(text)
    except ValueError:
        return text
    number = _NUMBER.get(tuple(payload))           # canonical JSON: the keys arrive sorted
    if number is None:
        return text
    values = checks.canonical([payload[key] for key in SHAPES[number]])
    short = f"{MARK}{number}:{values[1:-1]}"
    return short if expand(short) == text else text


def expand(stored: str | None) -> str | None:
    """The canonical JSON of a payload as kept on disk (either form; None stays None)."""
    if stored is None or not stored.startswith(MARK):
        return stored
    number, values = stored[1:].split(":", 1)
    return checks.canonical(dict(zip(SHAPES[int(number)], json.loads(f"[{values}]"), strict=True)))


_CLOCK = re.compile(r"([0-9]{15})-([0-9]{6})")      # ASCII digits only: what the 10 bytes give back


def clock_bytes(text: str) -> bytes:
    """The form kept on disk for an event's clock."""
    parts = _CLOCK.fullmatch(text)
    if parts is None:
        return MARK.encode() + text.encode("utf-8")
    return int(parts[1]).to_bytes(7, "big") + int(parts[2]).to_bytes(3, "big")


def clock_text(stored: bytes | memoryview) -> str:
    """The clock kept on disk as `stored` (either form), as the kiosk sent it."""
    stored = bytes(stored)
    if stored[:1] == MARK.encode():
        return stored[1:].decode("utf-8")
    return f"{int.from_bytes(stored[:7], 'big'):015d}-{int.from_bytes(stored[7:], 'big'):06d}"


def clock_bytes_sql(column: str = "hlc") -> str:
    """PostgreSQL giving `column` (a clock as text) in the form `clock_bytes` makes, for moving rows already held."""
    return (f"CASE WHEN {column} ~ '^[0-9]{{15}}-[0-9]{{6}}$' THEN decode(lpad(to_hex(split_part({column}, '-', 1)"
            f"::bigint), 14, '0') || lpad(to_hex(split_part({column}, '-', 2)::integer), 6, '0'), 'hex') "
            f"ELSE '\\x7e'::bytea || convert_to({column}, 'UTF8') END")


class EventTypeField(pw.TextField):
    """An event's type: its name to the hub, kept on disk as its short code."""

    def db_value(self, value):
        return type_code(value)

    def python_value(self, value):
        return type_name(value)


class PayloadField(pw.TextField):
    """An event's payload: canonical JSON to the hub, kept on disk in the positional form."""

    def db_value(self, value):
        return compact(value)

    def python_value(self, value):
        return expand(value)


class ClockField(pw.BlobField):
    """An event's hybrid logical clock: its text to the hub, kept on disk in 10 bytes."""

    def db_value(self, value):
        return None if value is None else clock_bytes(value)

    def python_value(self, value):
        return None if value is None else clock_text(value)
