"""SQLite's WAL checkpoints, made by a thread of their own rather than inside a learner's answer.

In WAL mode a commit appends its pages to the -wal file and fsyncs that file (synchronous=FULL). Now and
then the pages must be copied back into the database file, which is then fsynced too: a checkpoint.
SQLite makes one itself in the commit that takes the WAL past `wal_autocheckpoint` pages (1,000 by
default), inside that commit's call, so one learner's answer waited for the copying and for a second
fsync besides its own. On the bench's slow card (10 ms added to each fsync, 16 learners answering
quizzes at once) those commits were the tail: quiz answers' p99 73 ms with SQLite's own checkpoints, 54 ms
with none during the run.

A serving kiosk (`run.py serve`) therefore checkpoints every CHECKPOINT_EVERY seconds from the thread
below. It asks for a PASSIVE checkpoint: one that never waits for a reader or a writer, copies what no
reader still needs, and does nothing when nothing was written. The connections keep an automatic
checkpoint as a backstop, at AUTOCHECKPOINT_PAGES (kiosk/db.py): far more than a class writes in a
second, and what the command line's processes, which run no such thread, rely on.
"""
from __future__ import annotations

import logging
import threading

from .db import database

log = logging.getLogger("relais.checkpoints")
CHECKPOINT_EVERY = 1.0          # seconds between two checkpoints of a serving kiosk


class Checkpointer(threading.Thread):
    """Checkpoints the kiosk's database every `every` seconds until stopped."""

    def __init__(self, every: float = CHECKPOINT_EVERY):
        super().__init__(name="relais-checkpoints", daemon=True)
        self.every = every
        self.stopping = threading.Event()
        self.turns, self.failures = 0, 0

    def run(self) -> None:
        while not self.stopping.wait(self.every):
            try:
                self.checkpoint()
                self.turns += 1
            except Exception:           # noqa: BLE001 - a failed checkpoint is retried next turn; commits go on
                self.failures += 1
                log.exception("WAL checkpoint failed")

    def checkpoint(self) -> tuple[int, int]:
        """One PASSIVE checkpoint: (pages in the WAL, pages of it now in the database file)."""
        with database.connection_context():
            _busy, in_wal, copied = database.execute_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return in_wal, copied

    def stop(self) -> None:
        self.stopping.set()


def start(app) -> Checkpointer:
    """The app's checkpointer, started once."""
    checkpointer = app.extensions.get("checkpointer")
    if checkpointer is None:
        checkpointer = app.extensions["checkpointer"] = Checkpointer()
        checkpointer.start()
    return checkpointer
