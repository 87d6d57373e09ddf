"""The period an activity export covers, read from a form: one rule for the kiosk's page and the hub's."""
from __future__ import annotations

from datetime import date, timedelta

LONGEST = 366          # days in one export
EARLIEST, LATEST = date(1900, 1, 1), date(9998, 12, 31)     # a day every clock and timestamp can hold


def day_or(text: str, default: date) -> date | None:
    """The day written `YYYY-MM-DD` (a form's date field), `default` when empty, None when not a day."""
    text = (text or "").strip()
    if not text:
        return default
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def period(start_text: str, end_text: str, today: date) -> tuple[date | None, date | None, bool]:
    """(start, end, acceptable): from the 1st of this month to today by default, at most a year long."""
    start, end = day_or(start_text, today.replace(day=1)), day_or(end_text, today)
    good = (start is not None and end is not None and EARLIEST <= start <= end <= LATEST
            and (end - start) <= timedelta(days=LONGEST))
    return start, end, good
