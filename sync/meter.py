"""A metered link: a daily byte budget and a time window, shared by progress uploads and content downloads.

Days and windows follow the kiosk's local clock (a centre's plan resets at its midnight). Uploads
are small and go first; downloads may use the budget except a reserve kept for them, so a big update
never stops progress reaching the hub. The clock is injected so tests can move to tomorrow.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Callable

import peewee as pw

from kiosk.db import BaseModel, database

MB = 1024 * 1024
UPLOAD_RESERVE = 0.1           # of the daily budget, kept back from downloads for progress uploads
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class TransferDay(BaseModel):
    day = pw.TextField(primary_key=True)          # YYYY-MM-DD, local time
    up = pw.IntegerField(default=0)
    down = pw.IntegerField(default=0)


def parse_window(text: str) -> tuple[int, int] | None:
    """'20:00-07:00' as minutes after midnight (start, end); None for '' (any time). ValueError if unreadable."""
    if not (text or "").strip():
        return None
    found = _WINDOW.match(text)
    if not found:
        raise ValueError(f"SYNC_WINDOW must look like 20:00-07:00, not {text!r}")
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
        raise ValueError(f"SYNC_WINDOW has an impossible time: {text!r}")
    return h1 * 60 + m1, h2 * 60 + m2


@dataclass
class Meter:
    budget: int = 0                                # bytes per day; 0: no limit
    window: tuple[int, int] | None = None          # minutes after midnight; None: any time
    clock: Callable[[], float] = time.time

    @classmethod
    def from_settings(cls, budget_mb: float, window: str, clock=time.time) -> "Meter":
        return cls(int(float(budget_mb) * MB), parse_window(window), clock)

    def _local(self):
        return time.localtime(self.clock())

    def in_window(self) -> bool:
        if self.window is None:
            return True
        now = self._local()
        minute, (start, end) = now.tm_hour * 60 + now.tm_min, self.window
        return start <= minute < end if start <= end else (minute >= start or minute < end)

    def record(self, up: int = 0, down: int = 0) -> None:
        """Count bytes that crossed the link (both directions, headers included)."""
        if not up and not down:
            return
        day = time.strftime("%Y-%m-%d", self._local())
        with database.atomic():
            TransferDay.insert(day=day, up=up, down=down).on_conflict(
                conflict_target=[TransferDay.day],
                update={TransferDay.up: TransferDay.up + up, TransferDay.down: TransferDay.down + down}).execute()

    def used_today(self) -> int:
        row = TransferDay.get_or_none(TransferDay.day == time.strftime("%Y-%m-%d", self._local()))
        return row.up + row.down if row else 0

    def used_this_month(self) -> int:
        month = time.strftime("%Y-%m-", self._local())
        total = TransferDay.select(pw.fn.SUM(TransferDay.up + TransferDay.down)).where(
            TransferDay.day.startswith(month)).scalar()
        return int(total or 0)

    def left_today(self) -> int | None:
        """Bytes that may still cross today (None: no budget)."""
        return None if not self.budget else max(0, self.budget - self.used_today())

    def upload_allowed(self) -> bool:
        left = self.left_today()
        return self.in_window() and (left is None or left > 0)

    def download_allowance(self) -> int | None:
        """Bytes a download may use now: 0 outside the window; the budget less the uploads' reserve."""
        if not self.in_window():
            return 0
        left = self.left_today()
        return None if left is None else max(0, left - int(self.budget * UPLOAD_RESERVE))

    def seconds_until_open(self) -> float:
        """How long until transfers may start again: the window's next opening or tomorrow's budget."""
        now = self._local()
        seconds_today = now.tm_hour * 3600 + now.tm_min * 60 + now.tm_sec
        waits = []
        if not self.in_window():
            start = self.window[0] * 60
            waits.append((start - seconds_today) % 86400 or 86400)
        if self.budget and self.left_today() == 0:
            waits.append(86400 - seconds_today + 1)
        return float(max(waits)) if waits else 0.0
