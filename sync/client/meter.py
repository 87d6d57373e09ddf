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

from .db import SyncModel, database

MB = 1024 * 1024
UPLOAD_RESERVE = 0.1           # of the daily budget, kept back from downloads for progress uploads
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def header_bytes(headers) -> int:
    """Header lines as they go on the wire ("Name: value" and CRLF each), with the blank line after them."""
    return sum(len(k) + len(v) + 4 for k, v in headers.items()) + 2


def exchange_bytes(answer) -> tuple[int, int]:
    """Bytes of an HTTP exchange's request line and headers (up) and status line and headers (down).

    Bodies are counted by whoever sends or reads them. `answer` is a requests Response.
    """
    sent = answer.request
    host = sent.url.split("://", 1)[-1].split("/", 1)[0]
    up = len(f"{sent.method} {sent.path_url} HTTP/1.1\r\n") + len(f"Host: {host}\r\n") + header_bytes(sent.headers)
    down = len(f"HTTP/1.1 {answer.status_code} {answer.reason or ''}\r\n") + header_bytes(answer.headers)
    return up, down


class TransferDay(SyncModel):
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
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 > 0):
        raise ValueError(f"SYNC_WINDOW has an impossible time: {text!r}")
    return h1 * 60 + m1, h2 * 60 + m2


@dataclass
class Meter:
    budget: int = 0                                # bytes per day; 0: no limit
    window: tuple[int, int] | None = None          # minutes after midnight; None: any time
    clock: Callable[[], float] = time.time

    def _local(self):
        return time.localtime(self.clock())

    def in_window(self) -> bool:
        now = self._local()
        return self._open_at(now.tm_hour * 60 + now.tm_min)

    def _open_at(self, minute: int) -> bool:
        if self.window is None:
            return True
        start, end = self.window
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

    def _spent(self, download: bool) -> bool:
        """Nothing more may cross today (for a download: nothing but the uploads' reserve is left)."""
        if not self.budget:
            return False
        left = self.left_today()
        return left == 0 or (download and left <= int(self.budget * UPLOAD_RESERVE))

    def seconds_until_open(self, download: bool = False) -> float:
        """How long until transfers (or, with `download`, downloads) may start: 0 if they may now."""
        now = self._local()
        seconds_today = now.tm_hour * 3600 + now.tm_min * 60 + now.tm_sec
        if self._spent(download):
            wait = 86400 - seconds_today                      # tomorrow's budget, at midnight...
            if not self._open_at(0):
                wait += self.window[0] * 60                   # ...when the window opens
            return float(wait)
        if not self.in_window():
            return float((self.window[0] * 60 - seconds_today) % 86400 or 86400)
        return 0.0
