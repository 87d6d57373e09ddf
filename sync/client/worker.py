"""The kiosk server's background sync: one daemon thread, its own database connection, never in a request.

Each turn sends waiting progress first (small), then fetches the network's learner cards changed since
the last turn (sync/client/roaming.py), then spends the rest of the turn on a content update if one is on
offer (sync/updates), all within the metered link's budget and time window (sync/meter.py).
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from sync.wire import backoff

from . import enrollment, outbox
from .db import database
from .meter import Meter
from .updates.fetch import Fetcher, FetchError
from .uploader import Uploader

log = logging.getLogger("relais.sync")
SOON = 0.2                    # seconds between two turns while an update is downloading


class SyncWorker(threading.Thread):
    """Pushes whenever there is something to send and the hub answers; backs off when it does not."""

    def __init__(self, data_dir: Path, interval: float = 60, batch_size: int = 500, base: float = backoff.BASE,
                 cap: float = backoff.CAP, timeouts=enrollment.TIMEOUTS, meter: Meter | None = None,
                 updates=None, roaming=None):
        super().__init__(name="relais-sync", daemon=True)
        self.data_dir, self.interval, self.batch_size = Path(data_dir), interval, batch_size
        self.base, self.cap, self.timeouts = base, cap, timeouts
        self.meter, self.updates, self.roaming = meter or Meter(), updates, roaming
        self.wake, self.stopping = threading.Event(), threading.Event()
        self.failures, self.last_outcome, self._uploader, self._fetcher = 0, None, None, None

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
        """One turn; returns how long to sleep (None: until someone presses "Sync now")."""
        link = enrollment.load(self.data_dir)
        if link is None:
            return self.interval
        if self.roaming is not None:
            self.roaming.prepare()
        with database.connection_context():
            allowed, pending = self.meter.upload_allowed(), outbox.pending_count()
        if not allowed:
            return self._until_open()
        if pending:
            sent, wait = self._upload(link)
            if not sent:
                return wait
        if self.roaming is not None:
            self._cards(link)
        return self._content(link) if self.updates is not None else self.interval

    def _upload(self, link) -> tuple[bool, float | None]:
        """Push the outbox; (True, _) when it is empty, else (False, how long to wait)."""
        if self._uploader is None or self._uploader.link != link:
            self._uploader = Uploader(link, self.batch_size, self.timeouts, meter=self.meter, enforce=True)
        outcome = self.last_outcome = self._uploader.push()
        if self.updates is not None:
            self.updates.hint(outcome.content)
        if outcome.ok:
            self.failures = 0
            return True, self.interval
        if outcome.error == "budget":
            return False, self._until_open()
        log.warning("sync stopped: %s", outcome.detail)
        if outcome.permanent:
            return False, None
        self.failures += 1
        return False, backoff.delay(self.failures, self.base, self.cap, outcome.retry_after)

    def _fetcher_for(self, link) -> Fetcher:
        if self._fetcher is None or self._fetcher.link != link:
            self._fetcher = Fetcher(link, timeouts=self.timeouts)
        return self._fetcher

    def _cards(self, link) -> str | None:
        """Bring the network's cards up to date; a failure waits for the next turn (the cursor kept)."""
        try:
            return self.roaming.step(self._fetcher_for(link), self.meter)
        except FetchError as error:
            log.warning("cards not fetched: %s", error.detail)
            return None

    def _content(self, link) -> float:
        self._fetcher_for(link)
        try:
            with database.connection_context():
                done = self.updates.step(self._fetcher, self.meter)
        except FetchError as error:
            log.warning("content update stopped: %s", error.detail)
            self.failures += 1
            return backoff.delay(self.failures, self.base, self.cap)
        self.failures = 0
        if done == "installed":
            log.info("content update installed")
        if done == "more":
            return SOON
        if done == "waiting":
            return self._until_open(download=True)
        return self.interval

    def _until_open(self, download: bool = False) -> float:
        """Sleep until the budget or the window lets transfers start again, waking at least hourly
        (the clock may be set, the settings changed)."""
        with database.connection_context():
            return min(max(self.meter.seconds_until_open(download), 1.0), 3600.0)

    def turn(self, limit: int = 1000) -> None:
        """Sync once, in the caller's thread ("Sync now" without a background thread): send everything,
        then fetch and install a content update while the budget and window allow."""
        if self.updates is not None:
            self.updates.hinted = True
        for _ in range(limit):
            if self._round() != SOON:
                return

    def sync_now(self) -> None:
        self.failures = 0
        if self.updates is not None:
            self.updates.hinted = True
        self.wake.set()

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        if self.updates is not None:
            self.updates.stop_now.set()
        self.wake.set()
        self.join(timeout)
