"""The serving kiosk's WAL checkpoints (kiosk/checkpoints.py), on the kiosk's own SQLite file."""
import logging
import time

from kiosk import checkpoints
from kiosk.db import AUTOCHECKPOINT_PAGES, database
from kiosk.learners import create_learner


def cards(count: int, prefix: str) -> None:
    """`count` new cards, each in a commit of its own, as learners make them."""
    with database.connection_context():
        for number in range(count):
            create_learner(f"{prefix} {number}", "sun", None, None)


def wal_pages() -> int:
    """Pages in the WAL now (a checkpoint that copies nothing only reports them)."""
    with database.connection_context():
        return database.execute_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]


def test_a_checkpoint_copies_the_wal_back_and_the_next_commits_start_it_again(app):
    checkpointer = checkpoints.Checkpointer()
    checkpointer.checkpoint()
    cards(30, "Awa")
    in_wal, copied = checkpointer.checkpoint()
    assert in_wal > 0 and copied == in_wal
    cards(1, "Binta")                   # the next writer starts the WAL from its beginning
    assert 0 < wal_pages() < in_wal
    with database.connection_context():
        assert database.execute_sql("SELECT count(*) FROM learner").fetchone()[0] == 31


def test_the_thread_checkpoints_until_it_is_stopped(app):
    checkpointer = checkpoints.Checkpointer(every=0.02)
    checkpointer.start()
    try:
        cards(20, "Chloé")
        deadline = time.monotonic() + 10
        while checkpointer.turns < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert checkpointer.turns >= 3 and checkpointer.failures == 0
        with database.connection_context():
            _busy, in_wal, copied = database.execute_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert copied == in_wal         # nothing was left for this one
    finally:
        checkpointer.stop()
        checkpointer.join(timeout=5)
    assert not checkpointer.is_alive()


def test_a_failed_checkpoint_is_logged_and_the_next_turn_tries_again(app, monkeypatch, caplog):
    checkpointer = checkpoints.Checkpointer(every=0.02)
    real = checkpointer.checkpoint
    calls = []

    def once_broken():
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk I/O error")
        return real()

    monkeypatch.setattr(checkpointer, "checkpoint", once_broken)
    with caplog.at_level(logging.ERROR, logger="relais.checkpoints"):
        checkpointer.start()
        try:
            deadline = time.monotonic() + 10
            while checkpointer.turns < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            checkpointer.stop()
            checkpointer.join(timeout=5)
    assert checkpointer.failures == 1 and checkpointer.turns >= 2
    assert "WAL checkpoint failed" in caplog.text


def test_every_connection_keeps_sqlites_own_checkpoint_as_a_backstop(app):
    with database.connection_context():
        assert database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0] == AUTOCHECKPOINT_PAGES
        assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_app_has_one_checkpointer(app):
    first = checkpoints.start(app)
    try:
        assert checkpoints.start(app) is first and first.is_alive()
    finally:
        first.stop()
        first.join(timeout=5)
