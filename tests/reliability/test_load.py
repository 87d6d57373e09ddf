"""64 simulated learners for 60 s against a real waitress server: no errors, no lost answers."""
import os
import sqlite3
import threading
import time

import pytest

from tests.conftest import DEMO_CONTENT
from tests.reliability.kiosk_client import HttpLearner, free_port, start_server

pytestmark = pytest.mark.slow
LEARNERS = 64
SECONDS = float(os.environ.get("RELAIS_LOAD_SECONDS", "60"))
LESSON = "/courses/first-digital-steps/the-mouse"


def journey(base, index, deadline, results):
    learner, errors, answers, uuid = HttpLearner(base, timeout=60), [], 0, None
    name = f"Learner {index}"
    while time.time() < deadline:
        if uuid is None:
            status, _ = learner.post("/new", {"name": name, "picture": "sun"}, token_from="/new")
            if status != 302:
                errors.append(("create", status))
                break
            status, page = learner.get("/home")
            uuid = True
        else:
            status, page = learner.get("/?find=" + name.replace(" ", "+"))
            if f"<span>{name}</span>" not in page:
                errors.append(("find", status))
                break
            card = page.split(f"<span>{name}</span>")[0].rsplit('action="/learner/', 1)[-1].split('"')[0]
            status, _ = learner.post(f"/learner/{card}", {}, token_from="/")
            if status != 302:
                errors.append(("pick", status))
                continue
        for step in range(2):
            status, _ = learner.get(f"{LESSON}?step={step}")
            if status != 200:
                errors.append(("read", status))
        status, location = learner.post(f"{LESSON}/quiz", {"q0": "1", "q1": ["0", "2"], "q2": "false", "q3": "0",
                                                          "q4": "x"}, token_from=f"{LESSON}/quiz")
        if status == 302 and "/attempts/" in location:
            answers += 1
        else:
            errors.append(("answer", status))
        status, _ = learner.post("/logout", {}, token_from="/home")
        if status != 302:
            errors.append(("logout", status))
    results[name] = (answers, errors)


def test_64_learners_for_a_minute(tmp_path):
    port = free_port()
    proc = start_server(DEMO_CONTENT, tmp_path / "data", port)
    results, deadline = {}, time.time() + SECONDS
    try:
        threads = [threading.Thread(target=journey, args=(f"http://127.0.0.1:{port}", i, deadline, results))
                   for i in range(LEARNERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    errors = [e for _, errs in results.values() for e in errs]
    assert not errors, errors[:10]
    db = sqlite3.connect(tmp_path / "data" / "relais.sqlite3")
    stored = dict(db.execute("SELECT l.name, count(a.id) FROM learner l LEFT JOIN quiz_attempt a "
                             "ON a.learner_id = l.id GROUP BY l.id"))
    for name, (answers, _) in results.items():
        assert stored.get(name, 0) == answers, f"{name}: {answers} answers acknowledged, {stored.get(name)} stored"
    assert sum(a for a, _ in results.values()) > LEARNERS
