"""The hub's ingest on PostgreSQL: bytes on disk per event before migration 11, at 13, at 14 and after 15, and events/s
with 1, 2 and 4 real hub processes (waitress on 127.0.0.1) and 1, 10 and 100 kiosks sending at once.

`python -m bench.hub_ingest --database-url postgresql://… [--events N] [--rate-events N] [--breakdown]` prints the
rows; the database named is emptied first. Events are shaped as a kiosk's (bench/sync_bench.py).
"""
from __future__ import annotations

import argparse
import time

import requests

from .harness import ROOT, at_once, free_port, wait_ok
from .sync_bench import _wire_batches

KIOSKS_FOR_SIZE = 100        # keys interleave as they do when many kiosks send


def storage(url: str, events: int) -> list[tuple[str, str, str]]:
    """Bytes per event of the events' tables and indexes: before migration 11, at 13, at 14, at 14 then migrated, and
    after."""
    before = _bytes_per_event(url, events, upto=10)
    at_13 = _bytes_per_event(url, events, upto=13)
    at_14 = _bytes_per_event(url, events, upto=14)
    moved = _migrated_bytes_per_event(url)
    after = _bytes_per_event(url, events, upto=None)
    return [(f"Hub storage on PostgreSQL, {events:,} events, before migration 11 (text ids)",
             f"{before:,.0f} B/event", "measured on main: ~660"),
            (f"Hub storage on PostgreSQL, {events:,} events, at migration 13 (uuid, bytea, partitions, event_seen)",
             f"{at_13:,.0f} B/event", "goal ≤ 250"),
            (f"Hub storage on PostgreSQL, {events:,} events, at migration 14 (no digest, short types and payloads, "
             "no id index on the partitions)", f"{at_14:,.0f} B/event", "goal ≤ 250"),
            (f"Hub storage on PostgreSQL, {events:,} events held at 14, then migrated", f"{moved:,.0f} B/event",
             "goal ≤ 250"),
            (f"Hub storage on PostgreSQL, {events:,} events, after migration 15 (the kiosk as its number, the clock in "
             "10 bytes)", f"{after:,.0f} B/event", "goal ≤ 250")]


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
                        _insert_old(kiosk.id, batches[round_], upto)
        return _size_per_event()


def _migrated_bytes_per_event(url: str) -> float:
    """The hub the last measure left (at migration 14), migrated to the latest: bytes per event moved over."""
    from sync.hub import db, migrations

    with db.database.connection_context():
        migrations.migrate_to_latest(db.database.obj)
        return _size_per_event()


def _size_per_event() -> float:
    """Every partition of `event` with its indexes, and PostgreSQL's key tables, over the events held."""
    from sync.hub import db

    size = db.database.execute_sql(
        "SELECT coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('event')), "
        "pg_total_relation_size('event'))").fetchone()[0]
    for table in ("event_seen", "kiosk_number"):
        if db.database.table_exists(table):
            size += db.database.execute_sql(f"SELECT pg_total_relation_size('{table}')").fetchone()[0]
    count = db.database.execute_sql('SELECT count(*) FROM "event"').fetchone()[0]
    if BREAKDOWN:
        _print_breakdown(count)
    return size / count


BREAKDOWN = False             # --breakdown: where each figure's bytes go


def _print_breakdown(count: int) -> None:
    """Bytes per event of each table's rows and of each index counted above, and the average width of the columns."""
    from sync.hub import db

    for name, size in db.database.execute_sql(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class AS c WHERE c.relkind IN ('r', 'i') "
            "AND (c.relname LIKE 'event%%' OR c.relname LIKE 'kiosk_number%%') AND pg_relation_size(c.oid) > 8192 "
            "ORDER BY 2 DESC").fetchall():
        print(f"    {name}: {size / count:,.1f} B/event", flush=True)
    columns = [c for (c,) in db.database.execute_sql(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'event'::regclass AND attnum > 0 AND NOT attisdropped "
        "ORDER BY attnum").fetchall()]
    widths = db.database.execute_sql(
        "SELECT " + ", ".join(f'avg(pg_column_size("{c}"))' for c in columns) + ', avg(pg_column_size(e.*)) '
        'FROM "event" AS e').fetchone()
    print("    columns: " + ", ".join(f"{c} {w:.1f}" for c, w in zip([*columns, "whole row"], widths)), flush=True)


def _migrate_until(database, upto: int) -> None:
    """The hub's schema as migrations 1 to `upto` leave it (a hub of before migration 11, at 13 or at 14)."""
    from sync.hub import db, migrations

    db.database.initialize(database)
    with db.database.connection_context():
        migrations._adopt(database, 0)
        for module in migrations.available():
            if module.NUMBER <= upto:
                with database.atomic():
                    module.apply(database)
                    database.execute_sql(f"UPDATE {migrations.VERSION_TABLE} SET version = {module.NUMBER}")


OLD_COLUMNS = ["id", "kiosk_id", "epoch", "seq", "digest", "learner_uuid", "hlc", "type", "payload", "received_at"]


def _insert_old(kiosk_id: str, batch: list[dict], upto: int) -> None:
    """The rows ingest wrote before migration 11 (text ids and digest), at 13 (with `event_seen`) or at 14 (each
    event's row from `event_seen`, no digest, short types and payloads, the kiosk's id and the clock as text),
    without the merge."""
    from sync.hub import bulk, event_forms, event_places
    from sync.hub.models import Event
    from sync.wire import checks, protocol

    now = time.time()
    claimed = {}
    if upto >= 11:
        columns = [[e["epoch"] for e in batch], [e["seq"] for e in batch], [e["id"] for e in batch]]
        cursor = bulk.database.execute_sql(
            "INSERT INTO event_seen (kiosk, epoch, seq, id) SELECT %s, unnest(%s::integer[]), unnest(%s::bigint[]), "
            f"unnest(%s::uuid[]){' RETURNING id, row' if upto >= 14 else ''}",
            [event_places._number(kiosk_id), *columns])
        if upto >= 14:
            claimed = {str(event_id): row for event_id, row in cursor.fetchall()}
    rows = []
    for e in batch:
        payload = checks.canonical(e["payload"])
        if upto >= 14:
            rows.append((claimed[e["id"]], e["id"], kiosk_id, e["epoch"], e["seq"], e["learner"], e["hlc"],
                         event_forms.type_code(e["type"]), event_forms.compact(payload), now))
            continue
        digest = protocol.event_digest(e, payload)
        rows.append((e["id"], kiosk_id, e["epoch"], e["seq"], digest if upto < 11 else bytes.fromhex(digest),
                     e["learner"], e["hlc"], e["type"], payload, now))
    if upto >= 14:
        bulk.insert(Event, ["row", *COLUMNS_14], rows)
    else:
        bulk.insert(Event, OLD_COLUMNS, rows, "ON CONFLICT DO NOTHING" if upto < 11 else "")


COLUMNS_14 = ["id", "kiosk_id", "epoch", "seq", "learner_uuid", "hlc", "type", "payload", "received_at"]


def rates(url: str, events: int) -> list[tuple[str, str, str]]:
    """Events/s through 1, 2 and 4 hub processes with 1, 10 and 100 kiosks sending at once, after the database's
    own floor measured in the same run."""
    rows = floor(url, events)
    for processes in (1, 2, 4):
        for kiosks in (1, 10, 100):
            rate = _rate(url, processes, kiosks, max(500, events // kiosks))
            figure = (f"Hub ingest on PostgreSQL over HTTP, {processes} hub process{'es' if processes > 1 else ''}, "
                      f"{kiosks} kiosk{'s' if kiosks > 1 else ''} at once (batches of 500)")
            rows.append((figure, f"{rate:,.0f} events/s", "goal ≥ 50,000"))
    return rows


# The two statements of exactly-once storage, made in the database itself: each batch claims its places and ids
# in event_seen and writes the events it took, in one transaction, as ingest does (sync/hub/ingest.py).
FLOOR_BATCH = (
    'WITH claimed AS (INSERT INTO event_seen (kiosk, epoch, seq, id) SELECT %s, 1, s, gen_random_uuid() '
    'FROM generate_series(%s, %s) AS s ON CONFLICT DO NOTHING RETURNING id, "row", seq) '
    'INSERT INTO "event" (row, seq, received_at, epoch, kiosk, id, learner_uuid, hlc, type, payload) '
    'SELECT "row", seq, %s, 1, %s, id, gen_random_uuid(), %s, %s, %s FROM claimed')


def floor(url: str, events: int) -> list[tuple[str, str, str]]:
    """Events/s when PostgreSQL alone stores them exactly once (no hub process, no checks, no merge, no summaries,
    no statement ids): what the database of this machine can take at most, with 1 and 2 connections."""
    rows = []
    for connections in (1, 2):
        rate = _floor_rate(url, connections, max(500, events // connections))
        rows.append((f"Hub ingest floor: PostgreSQL alone storing events exactly once, {connections} connection"
                     f"{'s' if connections > 1 else ''} (event_seen's claim and the events' insert, one transaction "
                     "a batch of 500, events made in the database)", f"{rate:,.0f} events/s",
                     "the most the hub's ingest can reach on this database"))
    return rows


def _floor_rate(url: str, connections: int, per_connection: int) -> float:
    from sync.hub import db, event_forms
    from tests.sync_tests.conftest import reset_postgres

    reset_postgres(url)
    db.open_database(url)
    clock = event_forms.clock_bytes(f"{int(time.time() * 1000):015d}-000000")
    payload = event_forms.compact('{"course":"c","lesson":"lesson-3","status":"started","step":2,"steps_total":7,'
                                  '"time_spent":80,"with_help":false}')

    def store(kiosk: int) -> None:
        with db.database.connection_context():
            number = db.database.execute_sql("INSERT INTO kiosk_number (kiosk_id) VALUES (%s) RETURNING number",
                                             [f"floor-{kiosk}"]).fetchone()[0]
            for first in range(1, per_connection + 1, 500):
                with db.database.atomic():
                    db.database.execute_sql(FLOOR_BATCH, [number, first, min(first + 499, per_connection), time.time(),
                                                          number, clock, event_forms.type_code("lesson.progressed"),
                                                          payload])
    elapsed = at_once(store, [(k,) for k in range(connections)])
    with db.database.connection_context():
        held = db.database.execute_sql('SELECT count(*) FROM "event"').fetchone()[0]
    assert held == connections * per_connection, (held, connections * per_connection)
    return held / elapsed


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
        elapsed = at_once(send, [(i,) for i in range(kiosks)])
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
    parser.add_argument("--only", choices=["storage", "rates", "floor"], help="one of the figures")
    parser.add_argument("--breakdown", action="store_true", help="print where each storage figure's bytes go")
    args = parser.parse_args()
    global BREAKDOWN
    BREAKDOWN = args.breakdown
    rows = []
    if args.only not in ("rates", "floor"):
        rows += storage(args.database_url, args.events)
    if args.only == "floor":
        rows += floor(args.database_url, args.rate_events)
    elif args.only != "storage":
        rows += rates(args.database_url, args.rate_events)
    for figure, measured, goal in rows:
        print(f"{figure} | {measured} | {goal}", flush=True)


if __name__ == "__main__":
    main()
