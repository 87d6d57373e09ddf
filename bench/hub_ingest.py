"""The hub's ingest on PostgreSQL: bytes on disk per event before and after migration 11, and events/s
with 1, 2 and 4 real hub processes (waitress on 127.0.0.1) and 1, 10 and 100 kiosks sending at once.

`python -m bench.hub_ingest --database-url postgresql://… [--events N] [--rate-events N]` prints the
rows; the database named is emptied first. Events are shaped as a kiosk's (bench/sync_bench.py).
"""
from __future__ import annotations

import argparse
import threading
import time

import requests

from .harness import ROOT, free_port, wait_ok
from .sync_bench import _wire_batches

KIOSKS_FOR_SIZE = 100        # keys interleave as they do when many kiosks send


def storage(url: str, events: int) -> list[tuple[str, str, str]]:
    """Bytes per event of the events' tables and indexes, with the schema before migration 11 and after."""
    before = _bytes_per_event(url, events, upto=11)
    after = _bytes_per_event(url, events, upto=None)
    return [(f"Hub storage on PostgreSQL, {events:,} events, before migration 11 (text ids)",
             f"{before:,.0f} B/event", "measured on main: ~660"),
            (f"Hub storage on PostgreSQL, {events:,} events, after (uuid, bytea, partitions, event_seen)",
             f"{after:,.0f} B/event", "goal ≤ 250")]


def _bytes_per_event(url: str, events: int, upto: int | None) -> float:
    from sync.hub import auth, db, ingest
    from tests.sync_tests.conftest import reset_postgres

    reset_postgres(url)
    if upto is None:
        db.open_database(url)
    else:
        _migrate_until(db.database.obj, upto)
    per_kiosk = max(1, events // KIOSKS_FOR_SIZE)
    with db.database.connection_context():
        kiosks = [auth.enroll(auth.new_enroll_code("Bench"), None, {}) for _ in range(KIOSKS_FOR_SIZE)]
        streams = [_wire_batches(per_kiosk, seed) for seed in range(KIOSKS_FOR_SIZE)]
        for round_ in range(max(len(s) for s in streams)):
            for kiosk, batches in zip(kiosks, streams):
                if round_ < len(batches):
                    if upto is None:
                        ingest.ingest(kiosk, {"events": batches[round_], "pending": 0})
                    else:
                        _insert_before_12(kiosk.id, batches[round_])
        tables = ["event_seen", "kiosk_number"] if upto is None else []
        size = db.database.execute_sql(
            "SELECT coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('event')), "
            "pg_total_relation_size('event'))").fetchone()[0]
        for table in tables:
            size += db.database.execute_sql(f"SELECT pg_total_relation_size('{table}')").fetchone()[0]
        count = db.database.execute_sql('SELECT count(*) FROM "event"').fetchone()[0]
    return size / count


def _migrate_until(database, upto: int) -> None:
    """The hub's schema as migrations 1 to `upto` leave it (a hub of before migration 11)."""
    from sync.hub import db, migrations

    db.database.initialize(database)
    with db.database.connection_context():
        migrations._adopt(database, 0)
        for module in migrations.available():
            if module.NUMBER <= upto:
                with database.atomic():
                    module.apply(database)
                    database.execute_sql(f"UPDATE {migrations.VERSION_TABLE} SET version = {module.NUMBER}")


def _insert_before_12(kiosk_id: str, batch: list[dict]) -> None:
    """The rows ingest wrote before migration 11 (text ids and digest), without the merge."""
    from sync.hub import bulk
    from sync.hub.ingest import EVENT_COLUMNS
    from sync.hub.models import Event
    from sync.wire import checks, protocol

    now = time.time()
    rows = []
    for e in batch:
        payload = checks.canonical(e["payload"])
        rows.append((e["id"], kiosk_id, e["epoch"], e["seq"], protocol.event_digest(e, payload), e["learner"],
                     e["hlc"], e["type"], payload, now))
    bulk.insert(Event, EVENT_COLUMNS, rows, "ON CONFLICT DO NOTHING")


def rates(url: str, events: int) -> list[tuple[str, str, str]]:
    """Events/s through 1, 2 and 4 hub processes with 1, 10 and 100 kiosks sending at once."""
    rows = []
    for processes in (1, 2, 4):
        for kiosks in (1, 10, 100):
            rate = _rate(url, processes, kiosks, max(500, events // kiosks))
            figure = (f"Hub ingest on PostgreSQL over HTTP, {processes} hub process{'es' if processes > 1 else ''}, "
                      f"{kiosks} kiosk{'s' if kiosks > 1 else ''} at once (batches of 500)")
            rows.append((figure, f"{rate:,.0f} events/s", "goal ≥ 50,000"))
    return rows


def _rate(url: str, processes: int, kiosks: int, per_kiosk: int) -> float:
    import subprocess
    import sys

    from sync.hub import auth, db
    from sync.wire import protocol
    from tests.sync_tests.conftest import reset_postgres

    reset_postgres(url)
    db.open_database(url)
    with db.database.connection_context():
        enrolled = [auth.enroll(auth.new_enroll_code("Bench"), None, {}) for _ in range(kiosks)]
    bodies = [[protocol.encode_batch(batch) for batch in _wire_batches(per_kiosk, seed)] for seed in range(kiosks)]
    ports = [free_port() for _ in range(processes)]
    hubs = [subprocess.Popen([sys.executable, "run.py", "hub", "--host", "127.0.0.1", "--port", str(port),
                              "--database-url", url], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for port in ports]
    try:
        for port in ports:
            wait_ok(f"http://127.0.0.1:{port}/login")
        failures = []

        def send(index: int) -> None:
            kiosk, base = enrolled[index], f"http://127.0.0.1:{ports[index % processes]}"
            with requests.Session() as session:
                for body in bodies[index]:
                    while True:
                        headers = protocol.request_headers(kiosk.secret, kiosk.id, protocol.EVENTS_PATH, body,
                                                           int(time.time() * 1000))
                        answer = session.post(base + protocol.EVENTS_PATH, data=body, headers=headers, timeout=120)
                        if answer.status_code in (429, 503):
                            time.sleep(0.05)
                            continue
                        if answer.status_code != 200:
                            failures.append(answer.status_code)
                        break
        threads = [threading.Thread(target=send, args=(i,)) for i in range(kiosks)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        if failures:
            raise RuntimeError(f"the hub refused batches: {failures[:5]}")
        with db.database.connection_context():
            held = db.database.execute_sql("SELECT count(*) FROM event_seen").fetchone()[0]
        assert held == kiosks * per_kiosk, (held, kiosks * per_kiosk)
        return held / elapsed
    finally:
        for hub in hubs:
            hub.terminate()
            hub.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="an empty PostgreSQL database (it is emptied)")
    parser.add_argument("--events", type=int, default=200_000, help="events for the bytes-per-event figure")
    parser.add_argument("--rate-events", type=int, default=20_000, help="events per ingest-rate figure")
    parser.add_argument("--only", choices=["storage", "rates"], help="one of the two figures")
    args = parser.parse_args()
    rows = []
    if args.only != "rates":
        rows += storage(args.database_url, args.events)
    if args.only != "storage":
        rows += rates(args.database_url, args.rate_events)
    for figure, measured, goal in rows:
        print(f"{figure} | {measured} | {goal}", flush=True)


if __name__ == "__main__":
    main()
