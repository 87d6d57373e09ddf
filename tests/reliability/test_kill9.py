"""kill -9 of a real kiosk server while learners write: it restarts sound, with every acknowledged step."""
import http.client
import random
import signal
import sqlite3
import threading
import time

import pytest

from tests.conftest import SMALL_COURSE, write_tree
from tests.reliability.kiosk_client import HttpLearner, free_port, start_server

pytestmark = pytest.mark.slow
ROUNDS = 50


def writer(base, name, stop, acknowledged):
    learner = HttpLearner(base, timeout=5)
    try:
        status, _ = learner.post("/new", {"name": name, "picture": "sun"}, token_from="/new")
        if status != 302:
            return
        step = 0
        while not stop.is_set():
            status, _ = learner.post("/courses/basics/the-mouse/step", {"step": step % 2},
                                     token_from="/courses/basics/the-mouse")
            if status == 302:
                acknowledged[name] = acknowledged.get(name, 0) + 1
            step += 1
    except (OSError, http.client.HTTPException):
        return          # the server died under us: what was acknowledged so far is what counts


def test_kill_9_under_load_fifty_times(tmp_path):
    content = write_tree(tmp_path / "content", SMALL_COURSE)
    data = tmp_path / "data"
    rng = random.Random(9)
    for round_number in range(ROUNDS):
        port = free_port()
        proc = start_server(content, data, port)
        stop, acknowledged = threading.Event(), {}
        names = [f"r{round_number}-w{i}" for i in range(4)]
        threads = [threading.Thread(target=writer, args=(f"http://127.0.0.1:{port}", n, stop, acknowledged))
                   for n in names]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.2, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop.set()
        for t in threads:
            t.join(timeout=10)
        db = sqlite3.connect(data / "relais.sqlite3")
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            for name, count in acknowledged.items():
                saved = db.execute("SELECT count(*) FROM outbox_event e JOIN learner l ON l.uuid = e.learner_uuid "
                                   "WHERE l.name = ? AND e.type = 'lesson.progressed'", (name,)).fetchone()[0]
                assert saved >= count, f"round {round_number}: {name} had {count} steps acknowledged, {saved} saved"
        finally:
            db.close()
