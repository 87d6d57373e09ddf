"""When to try again: exponential backoff with full jitter, capped, never sooner than Retry-After."""
from __future__ import annotations

import random
import re
from email.utils import parsedate_to_datetime

BASE = 2.0           # seconds before the first retry, at most
CAP = 15 * 60.0      # never wait longer than this between tries of our own choosing
RETRY_AFTER_MAX = 3600.0


def delay(failures: int, base: float = BASE, cap: float = CAP, retry_after: float | None = None,
          rng=random.random) -> float:
    """Seconds to wait after `failures` failures in a row: uniform in [0, min(cap, base·2^n)]."""
    wait = rng() * min(cap, base * 2 ** min(max(failures - 1, 0), 32))
    if retry_after is not None:
        wait = max(wait, min(retry_after, RETRY_AFTER_MAX))
    return wait


def retry_after(value: str | None, date_header: str | None = None) -> float | None:
    """A Retry-After header in seconds: either a number, or a date compared with the answer's own Date
    (the kiosk's clock may be wrong, the hub's two headers agree with each other)."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9]{1,9}", value):          # ASCII digits: "²".isdigit() is true, float("²") fails
        return float(value)
    try:
        when = parsedate_to_datetime(value)
        sent = parsedate_to_datetime(date_header) if date_header else None
    except (TypeError, ValueError):
        return None
    if sent is None:
        return None
    return max(0.0, (when - sent).total_seconds())
