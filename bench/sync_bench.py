"""Sync figures: bytes per event on the wire, kiosk→hub and hub ingest rates, a cut 64 kbit/s link.

`run()` returns rows (figure, measured, baseline or goal); `python -m bench.sync_bench` prints them.
Events are made by the kiosk's own functions on the demo courses, so payloads are real ones.
"""
from __future__ import annotations

import gzip
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from .harness import ROOT, Server, at_once, free_port, python

EVENTS_FOR_RATES = 5000


def run(quick: bool = False) -> list[tuple[str, str, str]]:
    work = Path(tempfile.mkdtemp(prefix="relais-sync-bench-"))
    rows: list[tuple[str, str, str]] = []
    try:
        from kiosk.app import create_app
        app = create_app({"DATA_DIR": str(work / "kiosk"), "CONTENT_DIR": str(ROOT / "content"),
                          "SECRET_KEY": "bench", "SYNC_BACKGROUND": "no"})
        _make_events(1000 if quick else EVENTS_FOR_RATES)
        rows += _wire_bytes(work)
        rows += _kiosk_to_hub(app, work)
        rows += _ingest_rates(work, 2000 if quick else 20000)
        rows += _cut_link(app, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def _make_events(count: int) -> None:
    """Learners read steps, finish lessons and try quizzes until the outbox holds `count` events."""
    from kiosk import learners, progress
    from kiosk.content.quizmodel import Quiz
    from kiosk.db import database
    from kiosk.models import Lesson, LessonVersion
    from sync.client.outbox import OutboxEvent

    rng = random.Random(7)
    with database.connection_context():
        lessons = [(v.lesson.key, v.lesson.course_id, len(v.steps), v.quiz) for v in
                   LessonVersion.select().join(Lesson).where(LessonVersion.language == "fr")]
        people = [learners.create_learner(f"Personne {n}", "sun", None, "fr") for n in range(40)]
        while OutboxEvent.select().count() < count:
            person, (key, course, steps, quiz) = rng.choice(people), rng.choice(lessons)
            for step in range(steps):
                progress.record_step(person, key, course, step, steps)
            if quiz and rng.random() < 0.5:
                answers = {i: [str(rng.randrange(2))] for i in range(len(quiz["questions"]))}
                progress.record_quiz_attempt(person, key, course, Quiz.from_dict(quiz), answers, steps)
            else:
                progress.complete_lesson(person, key, course, steps)


def _hub_in_thread(work: Path, name: str, url: str | None = None):
    from tests.sync_tests.conftest import HubServer, reset_postgres
    if url:
        reset_postgres(url)
    return HubServer({"HUB_DATA_DIR": str(work / name), "DATABASE_URL": url, "SECRET_KEY": "bench"})


def _enrolled_uploader(hub_url: str, code: str, data_dir: Path, batch: int = 500, via: str | None = None):
    from kiosk.db import database
    from sync.client import enrollment
    from sync.client.enrollment import Link
    from sync.client.uploader import Uploader

    (data_dir / enrollment.FILE).unlink(missing_ok=True)
    with database.connection_context():
        link = enrollment.enroll(data_dir, hub_url, code)
    if via:
        link = Link(**dict(link.__dict__, hub_url=via))
    return Uploader(link, batch)


def _wire_bytes(work: Path) -> list:
    """Everything on the wire (both directions, headers included) for 500-event batches, and xAPI."""
    from sync.hub import scopes, xapi
    from tests.sync_tests.faultproxy import FaultProxy

    hub = _hub_in_thread(work, "hub-wire")
    proxy = FaultProxy(hub.port)
    try:
        uploader = _enrolled_uploader(hub.url, hub.code(), work / "kiosk", via=proxy.url)
        outcome = uploader.push()
        events = outcome.sent
        per_event = (proxy.bytes_up + proxy.bytes_down) / events
        statements = hub.query(lambda: [s for e in xapi.mapped_events(scopes.NATIONAL)
                                        for s in xapi.statements_for(e, hub.url)])
        xapi_bytes = len(gzip.compress(json.dumps(statements).encode(), 6)) / events
    finally:
        proxy.stop()
        hub.stop()
    return [("Sync: bytes on the wire per event, batches of 500 (gzip'd JSON, headers and ack included)",
             f"{per_event:.1f} B", "goal ≤ 60 B"),
            ("Sync: the same events as gzip'd xAPI JSON", f"{xapi_bytes:.1f} B per event",
             f"{len(statements) / events:.2f} statements per event")]


def _kiosk_to_hub(app, work: Path) -> list:
    """Events per second from a kiosk's outbox into a hub process of its own, over loopback."""
    from kiosk.db import database
    from sync.client.outbox import OutboxEvent

    port = free_port()
    hub = Server([python(), "run.py", "hub", "--host", "127.0.0.1", "--port", str(port), "--data",
                  str(work / "hub-rate")], port, "/login")
    try:
        code = subprocess.run([python(), "run.py", "hub", "enroll-code", "Bench", "--data", str(work / "hub-rate")],
                              cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        uploader = _enrolled_uploader(hub.base, code, work / "kiosk")
        with database.connection_context():
            total = OutboxEvent.select().count()
        started = time.perf_counter()
        outcome = uploader.push()
        elapsed = time.perf_counter() - started
    finally:
        hub.stop()
    return [("Sync: kiosk → hub over loopback (SQLite hub, batches of 500)",
             f"{outcome.sent / elapsed:,.0f} events/s", f"{total} events in {elapsed:.2f} s")]


def _wire_batches(count: int, seed: int = 3) -> list[list[dict]]:
    """Events shaped like a kiosk's: a learner reads a lesson step by step, then completes it or tries
    its quiz (the kiosk's own functions make the same shape, too slowly to make 20,000 of them here)."""
    rng, events = random.Random(seed), []
    learners = [f"{n:08x}-0000-4000-8000-{rng.getrandbits(48):012x}" for n in range(300)]
    while len(events) < count:
        learner, lesson, steps = rng.choice(learners), f"lesson-{rng.randrange(40)}", rng.randint(4, 9)
        for step in range(steps):
            events.append(("lesson.progressed", learner, {"lesson": lesson, "course": "c", "status": "started",
                                                          "step": step, "steps_total": steps,
                                                          "time_spent": step * 40, "with_help": False}))
        if rng.random() < 0.5:
            events.append(("quiz.attempted", learner, {"attempt": str(uuid.UUID(int=rng.getrandbits(128))),
                                                       "lesson": lesson, "course": "c", "score": 2, "total": 3,
                                                       "passed": True, "with_help": False, "answers": {},
                                                       "correct": [True, True, False]}))
        events.append(("lesson.completed", learner, {"lesson": lesson, "course": "c", "status": "completed",
                                                     "step": steps, "steps_total": steps,
                                                     "time_spent": steps * 40, "with_help": False}))
    wire = [{"id": str(uuid.UUID(int=rng.getrandbits(128))), "epoch": 1, "seq": seq, "learner": learner,
             "hlc": f"{1732800000000 + seq * 1000:015d}-000000", "type": kind, "payload": payload}
            for seq, (kind, learner, payload) in enumerate(events[:count], start=1)]
    return [wire[i:i + 500] for i in range(0, count, 500)]


def _ingest_rates(work: Path, count: int) -> list:
    """Hub ingest alone (validate, insert, merge, acknowledge), in process: one kiosk, then two at once."""
    from sync.hub import db
    from tests.sync_tests.conftest import reset_postgres

    rows = []
    backends = [("SQLite", None)] + ([("PostgreSQL", os.environ["RELAIS_TEST_POSTGRES"])]
                                     if os.environ.get("RELAIS_TEST_POSTGRES") else [])
    for name, url in backends:
        for streams in (1, 2):
            if url:
                reset_postgres(url)
            db.open_database(url, work / f"hub-ingest-{name}-{streams}")
            rate = _ingest(count, streams)
            goal = "goal ≥ 20,000/s on PostgreSQL" if url else "—"
            rows.append((f"Sync: hub ingest on {name}, {streams} kiosk{'s' if streams > 1 else ''} at once "
                         "(batches of 500, merge included)", f"{rate:,.0f} events/s", goal))
    if len(rows) == 2:
        rows.append(("Sync: hub ingest on PostgreSQL", "not measured", "set RELAIS_TEST_POSTGRES"))
    return rows


def _ingest(count: int, streams: int) -> float:
    """Events per second when `streams` kiosks each send `count` events, each on its own thread."""
    from sync.hub import auth, db, ingest

    with db.database.connection_context():
        kiosks = [auth.enroll(auth.new_enroll_code("Bench"), None, {}) for _ in range(streams)]
    work = [_wire_batches(count, seed) for seed in range(streams)]

    def send(kiosk, batches):
        with db.database.connection_context():
            for batch in batches:
                while True:
                    try:
                        ingest.ingest(kiosk, {"events": batch, "pending": 0})
                        break
                    except ingest.Busy:         # SQLite: the other kiosk holds the write lock
                        time.sleep(0.001)
    return streams * count / at_once(send, list(zip(kiosks, work)))


def _cut_link(app, work: Path) -> list:
    """1,000 events over 64 kbit/s, clean and with the link cut every 20 KB."""
    from kiosk.db import database
    from sync.client.outbox import OutboxEvent
    from sync.wire import backoff
    from tests.sync_tests.faultproxy import FaultProxy

    results = {}
    for label, cut in (("clean", None), ("cut", 20_000)):
        hub = _hub_in_thread(work, f"hub-{label}")
        proxy = FaultProxy(hub.port, rate=8000, cut_every=cut)
        try:
            uploader = _enrolled_uploader(hub.url, hub.code(), work / "kiosk", via=proxy.url)
            with database.connection_context():      # enrolment queued everything: keep the first 1,000
                first = OutboxEvent.select(OutboxEvent.id).order_by(OutboxEvent.id).limit(1).scalar()
                OutboxEvent.update(sent_at=time.time()).where(OutboxEvent.id >= first + 1000).execute()
            started, failures = time.perf_counter(), 0
            while not uploader.push().ok:
                failures += 1
                time.sleep(backoff.delay(failures, base=0.2, cap=2))
            results[label] = (proxy.bytes_up + proxy.bytes_down, time.perf_counter() - started, proxy.cuts)
        finally:
            proxy.stop()
            hub.stop()
    clean, cut = results["clean"], results["cut"]
    return [("Sync: 1,000 events at 64 kbit/s, clean", f"{clean[0] / 1024:.1f} KB in {clean[1]:.1f} s", "—"),
            ("Sync: the same with the link cut every 20 KB", f"{cut[0] / 1024:.1f} KB in {cut[1]:.1f} s "
             f"({cut[2]} cuts), {cut[0] / clean[0]:.2f}× the bytes", "goal ≤ 1.3× the bytes")]


if __name__ == "__main__":
    for figure, measured, goal in run():
        print(f"| {figure} | {measured} | {goal} |")
