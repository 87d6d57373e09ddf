"""What an event's payload may hold: the rules the kiosk's outbox and the hub apply alike.

A payload is a JSON object, at most MAX_PAYLOAD bytes as canonical JSON, whose strings are valid UTF-8
text without NUL or other C0 control characters (tab, newline and carriage return are fine; PostgreSQL
cannot store NUL), nested at most MAX_DEPTH deep, whose integers are exact in JSON everywhere (|n| < 2**53)
and whose numbers are finite. Imports nothing of Relais, so protocol.py, the hub and the outbox can all
call it; each rule broken comes back as a Problem with a short reason code and a plain-English detail.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

MAX_PAYLOAD = 8 * 1024          # bytes of one payload as canonical JSON (UTF-8)
MAX_DEPTH = 10                  # objects and lists inside the payload object
MAX_INT = 2**53                 # integers must be strictly inside ±MAX_INT (exact as a JSON number)

# Reason codes, stable so the hub can store them and the kiosk can word them.
TOO_LARGE, BAD_TEXT, TOO_DEEP, BAD_NUMBER, BAD_VALUE = "too_large", "bad_text", "too_deep", "bad_number", "bad_value"

_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


@dataclass(frozen=True)
class Problem:
    """One broken rule: `reason` is a code above, `detail` says what and where."""

    reason: str
    detail: str

    def __str__(self) -> str:
        return self.detail


def canonical(payload) -> str:
    """A payload as the hub stores and digests it: sorted keys, compact, not ASCII-escaped."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)


def text_problem(text: str, where: str = "text") -> Problem | None:
    """Why `text` cannot travel (a control character or a lone surrogate), or None."""
    found = _BAD_CHAR.search(text)
    if found is None:
        return None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        return Problem(BAD_TEXT, f"{where} is not valid UTF-8 (a lone surrogate U+{ord(char):04X})")
    return Problem(BAD_TEXT, f"{where} holds the control character U+{ord(char):04X}")


def value_problem(value, where: str = "payload", depth: int = 0) -> Problem | None:
    """Why a decoded JSON value breaks the rules (text, numbers, depth, types), or None."""
    if isinstance(value, str):
        return text_problem(value, where)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if -MAX_INT < value < MAX_INT else Problem(BAD_NUMBER, f"{where} is an integer beyond ±2**53")
    if isinstance(value, float):
        return None if math.isfinite(value) else Problem(BAD_NUMBER, f"{where} is not a finite number")
    if isinstance(value, (dict, list)):
        if depth >= MAX_DEPTH:
            return Problem(TOO_DEEP, f"{where} is nested more than {MAX_DEPTH} deep")
        return _children_problem(value, where, depth + 1)
    return Problem(BAD_VALUE, f"{where} is a {type(value).__name__}, not a JSON value")


def _children_problem(value: dict | list, where: str, depth: int) -> Problem | None:
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        if isinstance(value, dict):
            if not isinstance(key, str):
                return Problem(BAD_VALUE, f"{where} has a key that is not text ({key!r})")
            problem = text_problem(key, f"a key of {where}")
            if problem:
                return problem
        problem = value_problem(child, f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]", depth)
        if problem:
            return problem
    return None


def size_problem(canonical_text: str, limit: int = MAX_PAYLOAD) -> Problem | None:
    """Why a payload already written as canonical JSON (checked text) is too large, or None."""
    size = len(canonical_text.encode("utf-8"))
    if size > limit:
        return Problem(TOO_LARGE, f"the payload is {size} bytes as JSON; at most {limit} are allowed")
    return None


def payload_problem(payload, limit: int = MAX_PAYLOAD) -> Problem | None:
    """Every rule at once: an object, sound values, then its size as canonical JSON."""
    if not isinstance(payload, dict):
        return Problem(BAD_VALUE, "the payload must be a JSON object")
    return value_problem(payload) or size_problem(canonical(payload), limit)
