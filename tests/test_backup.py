"""Backups while learners keep working, and restoring one into a new sync epoch."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from click.testing import CliRunner

from kiosk import progress
from kiosk.backup import BackupError, backup, restore
from kiosk.cli import cli
from kiosk.db import database, open_database
from kiosk.learners import create_learner
from kiosk.models import Learner
from sync.client import outbox
from sync.client.outbox import KioskIdentity, OutboxEvent


def _events(path) -> list[int]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in con.execute("SELECT seq FROM outbox_event ORDER BY seq")]
    finally:
        con.close()


def _ballast(path, megabytes: int) -> None:
    """Make the database big enough that a backup takes a while (learners write meanwhile)."""
    con = sqlite3.connect(path, timeout=30)
    con.execute("CREATE TABLE IF NOT EXISTS ballast (blob BLOB)")
    con.executemany("INSERT INTO ballast VALUES (randomblob(65536))", [()] * (megabytes * 16))
    con.commit()
    con.close()


def test_a_backup_under_concurrent_learner_writes_is_intact_and_has_every_earlier_commit(app, tmp_path):
    data = tmp_path / "data"
    _ballast(data / "relais.sqlite3", 40)
    with database.connection_context():
        people = [create_learner(f"Learner {i}", "sun", None, "fr") for i in range(4)]
    commits, stop = [], threading.Event()

    def learner_at_work(person: Learner):
        step = 0
        while not stop.is_set():
            with database.connection_context():
                progress.record_step(person, "basics-mouse", "basics", step % 3, 3)
            commits.append(time.perf_counter())         # after the commit returned
            step += 1

    threads = [threading.Thread(target=learner_at_work, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.3)
        with database.connection_context():
            committed = max(e.seq for e in OutboxEvent.select(OutboxEvent.seq))
        started = time.perf_counter()
        result = backup(data)
        finished = time.perf_counter()
        time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    copied = _events(result.path)
    assert set(range(1, committed + 1)) <= set(copied)          # every write committed before it began
    during = sum(started < t < finished for t in commits)
    print(f"\n  backup of {result.size / 2**20:.0f} MB in {result.seconds:.2f} s; "
          f"{during} learner writes committed meanwhile")
    assert during > 0                                            # learners were not blocked
    assert len(_events(data / "relais.sqlite3")) > len(copied)
    con = sqlite3.connect(result.path)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()


def test_only_the_newest_backups_are_kept(app, tmp_path):
    data = tmp_path / "data"
    for second in range(9):
        backup(data, keep=7, clock=lambda: 1_750_000_000 + second)
    kept = sorted(p.name for p in (data / "backups").iterdir())
    newest = [time.strftime("relais-%Y%m%d-%H%M%S.sqlite3", time.localtime(1_750_000_000 + s)) for s in range(2, 9)]
    assert kept == newest


def test_restore_brings_back_the_data_in_a_new_epoch(app, tmp_path):
    data = tmp_path / "data"
    with database.connection_context():
        awa = create_learner("Awa", "sun", None, "fr")
        progress.record_step(awa, "basics-mouse", "basics", 1, 3)
        before = outbox.identity()
    saved = backup(data).path
    with database.connection_context():
        create_learner("Later", "moon", None, "fr")
        progress.record_step(awa, "basics-mouse", "basics", 2, 3)
    database.close_all()                      # the kiosk is stopped

    epoch, safety = restore(saved, data)

    assert epoch == before.epoch + 1 and safety.exists()
    open_database(data / "relais.sqlite3")
    with database.connection_context():
        ident = KioskIdentity.get_by_id(1)
        assert (ident.kiosk_id, ident.epoch, ident.next_seq) == (before.kiosk_id, epoch, 1)
        assert [p.name for p in Learner.select()] == ["Awa"]
        event = outbox.append("lesson.progressed", awa.uuid, {"lesson": "basics-mouse"})
        assert (event.epoch, event.seq) == (epoch, 1)


def test_restoring_an_older_backup_twice_still_moves_the_epoch_forward(app, tmp_path):
    data = tmp_path / "data"
    old = backup(data).path
    database.close_all()
    first, _ = restore(old, data)
    second, _ = restore(old, data)
    assert second == first + 1


def test_restore_refuses_while_the_kiosk_uses_the_database(app, tmp_path):
    data = tmp_path / "data"
    saved = backup(data).path
    kiosk = sqlite3.connect(data / "relais.sqlite3")
    kiosk.execute("SELECT count(*) FROM learner").fetchone()    # a running kiosk holds its database open
    try:
        with pytest.raises(BackupError, match="stop it first"):
            restore(saved, data)
    finally:
        kiosk.close()
    assert not (data / ".relais.sqlite3.restoring").exists()


def test_restore_refuses_a_file_that_is_not_a_database(app, tmp_path):
    data = tmp_path / "data"
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    database.close_all()
    with pytest.raises(BackupError):
        restore(junk, data)
    con = sqlite3.connect(data / "relais.sqlite3")
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()


def test_backup_and_restore_from_the_command_line(demo_app, tmp_path):
    data = tmp_path / "data"
    runner = CliRunner()
    started = time.perf_counter()
    made = runner.invoke(cli, ["backup", "--data", str(data)])
    print(f"\n  demo database backup: {time.perf_counter() - started:.3f} s ({made.output.strip()})")
    assert made.exit_code == 0 and "checked" in made.output, made.output
    copy = tmp_path / "copy.sqlite3"
    assert runner.invoke(cli, ["backup", str(copy), "--data", str(data)]).exit_code == 0
    database.close_all()
    done = runner.invoke(cli, ["restore", str(copy), "--data", str(data), "--yes"])
    assert done.exit_code == 0 and "new epoch (2)" in done.output, done.output
    asked = runner.invoke(cli, ["restore", str(copy), "--data", str(data)], input="n\n")
    assert asked.exit_code != 0 and "Stop the kiosk first" in asked.output
