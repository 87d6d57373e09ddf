"""A full SD card: the learner is told plainly, reading keeps working, nothing already saved is damaged."""
import os
import sqlite3
import subprocess
import uuid

import pytest

from kiosk.db import database
from tests.conftest import Learners

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "sd"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({result.stderr.decode().strip()})")
    yield mount
    database.obj.close_all() if hasattr(database.obj, "close_all") else None
    subprocess.run(["umount", "-l", str(mount)])


def fill(folder, keep_free=0):
    filler = folder / f"filler-{uuid.uuid4().hex}"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_gives_a_clear_message_and_keeps_what_was_saved(make_app, content_dir, small_disk):
    app = make_app(content_dir, DATA_DIR=str(small_disk / "data"))
    client = app.test_client()
    learners = Learners(client)
    learners.create("Awa", "sun")
    assert learners.post("/courses/basics/the-mouse/step", {"step": 1},
                         token_from="/courses/basics/the-mouse").status_code == 302
    filler = fill(small_disk)
    statuses = []
    for step in range(2, 40):                   # fill the WAL too, until SQLite reports the disk full
        response = learners.post("/courses/basics/reading/step", {"step": step % 2},
                                 token_from="/courses/basics/reading")
        statuses.append(response.status_code)
        if response.status_code == 507:
            break
    assert 507 in statuses, statuses
    assert "memory is full" in response.get_data(as_text=True) or "mémoire" in response.get_data(as_text=True)
    reading = client.get("/courses/basics/the-mouse?step=1")
    assert reading.status_code == 200
    os.remove(filler)
    assert learners.post("/courses/basics/the-mouse/step", {"step": 0},
                         token_from="/courses/basics/the-mouse").status_code == 302
    database.obj.close_all()
    db = sqlite3.connect(small_disk / "data" / "relais.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM progress WHERE lesson_key = 'basics-mouse'").fetchone()[0] == 1
