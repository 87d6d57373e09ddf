"""The kiosk server's background sync: one daemon thread, its own database connection, never in a request."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from kiosk.db import database

from . import backoff, enrollment, outbox
from .uploader import Uploader

log = logging.getLogger("relais.sync")


class SyncWorker(threading.Thread):
    """Pushes whenever there is something to send and the hub answers; backs off when it does not."""

    def __init__(self, data_dir: Path, interval: float = 60, batch_size: int = 500, base: float = backoff.BASE,
                 cap: float = backoff.CAP, timeouts=enrollment.TIMEOUTS):
        super().__init__(name="relais-sync", daemon=True)
        self.data_dir, self.interval, self.batch_size = Path(data_dir), interval, batch_size
        self.base, self.cap, self.timeouts = base, cap, timeouts
        self.wake, self.stopping = threading.Event(), threading.Event()
        self.failures, self.last_outcome, self._uploader = 0, None, None

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                wait = self._round()
            except Exception:                 # never let one bad round end syncing for good
                log.exception("sync round failed")
                self.failures += 1
                wait = backoff.delay(self.failures, self.base, self.cap)
            self.wake.wait(wait)
            self.wake.clear()

    def _round(self) -> float | None:
        """One upload session; returns how long to sleep (None: until someone presses "Sync now")."""
        link = enrollment.load(self.data_dir)
        if link is None:
            return self.interval
        with database.connection_context():
            if outbox.pending_count() == 0:
                self.failures = 0
                return self.interval
        if self._uploader is None or self._uploader.link != link:
            self._uploader = Uploader(link, self.batch_size, self.timeouts)
        outcome = self.last_outcome = self._uploader.push()
        if outcome.ok:
            self.failures = 0
            return self.interval
        log.warning("sync stopped: %s", outcome.detail)
        if outcome.permanent:
            return None
        self.failures += 1
        return backoff.delay(self.failures, self.base, self.cap, outcome.retry_after)

    def sync_now(self) -> None:
        self.failures = 0
        self.wake.set()

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        self.wake.set()
        self.join(timeout)
