"""A hub at a country's scale on PostgreSQL: fill it fast, then time its read side with facilitators at once.

    python -m bench.hub_scale --database-url postgresql://… [--events 1000000] [--centres 200] [--kiosks 2000]
                              [--regions 13] [--learners 50000] [--facilitators 4] [--rounds 25]

The database named is emptied first (every table of its public schema). Rows are written with COPY:
kiosks, regions, learners and what the merge keeps of them (lesson states, quiz attempts, certificates),
and N events beside them whose certificate events carry the same codes. The summaries are then made by
migration 10's own backfill, as an existing hub gets them. A real hub process (`run.py hub`) is started on
the database; 4 facilitators (national, regional, a centre's, a read-only funder) ask at the same time for
the dashboard, the learners page (first, a later page, a search), /verify and the learners CSV. Printed:
p50/p95 per page and the hub's RSS after each. Scale is a parameter: `--events 10000000` runs the
programme's figure (about ten times as long).
"""
from __future__ import annotations

import argparse
import io
import json
import random
import re
import statistics
import threading
import time
import uuid

import requests

from sync.hub import db as hub_db
from sync.hub import event_forms, partitions
from sync.hub.auth import create_facilitator
from sync.hub.migrations import m0010_read_summaries as m10
from sync.hub.scopes import Scope
from sync.wire import checks

from .harness import Server, at_once, free_port, python

FIRST = ["Awa", "Karim", "Nadia", "Sami", "Inès", "Moussa", "Fatou", "Yanis", "Léa", "Omar", "Aïcha", "Hugo"]
COURSES = ["basics", "internet", "email", "forms", "cv", "phone"]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery"
CHUNK = 200_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database of the bench's own (emptied)")
    for name, default in (("events", 1_000_000), ("centres", 200), ("kiosks", 2000), ("regions", 13),
                          ("learners", 50_000), ("facilitators", 4), ("rounds", 25)):
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--no-fill", action="store_true", help="measure the hub already filled by a run before")
    args = parser.parse_args()
    started = time.perf_counter()
    plan = filled(args) if args.no_fill else fill(args)
    print(f"filled: {args.events:,} events, {args.learners:,} learners, {args.kiosks:,} kiosks, "
          f"{args.centres} centres, {args.regions} regions in {time.perf_counter() - started:.0f} s")
    for line in measure(args, plan):
        print(line)


def fill(args) -> dict:
    """Empty the database, bring it to today's schema, COPY the rows in, make the summaries; what to ask for."""
    rng = random.Random(16)
    database = hub_db.connect(args.database_url, None)
    with database.connection_context():
        for (table,) in database.execute_sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall():
            database.execute_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')
    database.close_all()
    hub_db.open_database(args.database_url)
    db = hub_db.database
    centres = [f"Centre {c:03d}" for c in range(args.centres)]
    kiosks = [(str(uuid.uuid4()), centres[k % args.centres]) for k in range(args.kiosks)]
    learners = [(str(uuid.uuid4()), kiosks[rng.randrange(args.kiosks)][0],
                 f"{rng.choice(FIRST)} {n:06d}") for n in range(args.learners)]
    with db.connection_context():
        with db.atomic():
            _copy(db, "centre_region", ["centre", "region"], ((c, f"Region {i % args.regions:02d}")
                                                              for i, c in enumerate(centres)))
            _copy(db, "kiosk", ["id", "centre", "secret", "enrolled_at", "events_received", "pending_reported"],
                  ((k, c, "s", 1.7e9, 0, 0) for k, c in kiosks))
            _copy(db, "learner", ["uuid", "kiosk_id", "name", "name_hlc", "prefs_hlc", "last_hlc", "pin_hlc",
                                  "local_only", "local_hlc", "card_seq"],
                  ((u, k, n, "", "", _hlc(1.7e12 + i * 1000), "", "f", "", 0) for i, (u, k, n) in enumerate(learners)))
            codes = _merged(db, rng, learners)
        with db.atomic():
            _events(db, rng, args.events, learners, codes, kiosks)
        with db.atomic():
            for statement in (m10.COURSES, m10.LEARNERS, m10.KIOSKS):
                db.execute_sql(statement)
        db.execute_sql("ANALYZE")
        region = "Region 00"
        scopes = {"national": Scope(national=True), "regional": Scope(regions=frozenset({region})),
                  "centre": Scope(centres=frozenset({centres[0]})),
                  "funder": Scope(regions=frozenset({region}), read_only=True)}
        for name, scope in list(scopes.items())[:args.facilitators]:
            create_facilitator(name, PASSWORD, scope)
    return {"codes": [c for c, _ in codes[:1000]], "facilitators": list(scopes)[:args.facilitators]}


def filled(args) -> dict:
    """What to ask for of a database a run before filled (its certificates' codes, its facilitators)."""
    hub_db.open_database(args.database_url)
    with hub_db.database.connection_context():
        codes = [c for (c,) in hub_db.database.execute_sql("SELECT code FROM certificate LIMIT 1000").fetchall()]
    return {"codes": codes, "facilitators": ["national", "regional", "centre", "funder"][:args.facilitators]}


def _hlc(ms: float) -> str:
    return f"{int(ms):015d}-000000"


def _copy(db, table: str, columns: list[str], rows) -> None:
    """COPY rows (tuples) into `table`, CHUNK rows at a time, so the bench's memory stays small too."""
    cursor = db.connection().cursor()
    buffer = io.StringIO()
    for count, row in enumerate(rows, 1):
        buffer.write("\t".join(_field(v) for v in row) + "\n")
        if count % CHUNK == 0:
            _flush(cursor, table, columns, buffer)
            buffer = io.StringIO()
    _flush(cursor, table, columns, buffer)


def _flush(cursor, table, columns, buffer) -> None:
    buffer.seek(0)
    cursor.copy_expert(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN', buffer)


def _field(value) -> str:
    if value is None:
        return "\\N"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def _merged(db, rng, learners) -> list[tuple[str, str]]:
    """What the merge keeps of every learner: a few lessons, quiz attempts, a certificate for one in three."""
    lessons, attempts, codes = [], [], []
    for i, (uuid_, kiosk, name) in enumerate(learners):
        course = COURSES[i % len(COURSES)]
        for n in range(rng.randrange(1, 9)):
            done, helped = rng.random() < 0.6, rng.random() < 0.3
            lessons.append((uuid_, f"{course}-{n}", course, "t" if done else "f", 3, 4, rng.randrange(30, 900),
                            "t" if helped else "f", "", _hlc(1.7e12), _hlc(1.7e12)))
        for _ in range(rng.randrange(0, 3)):
            attempts.append((str(uuid.uuid4()), uuid_, f"{course}-0", course, 2, 3, "t", "f", _hlc(1.7e12),
                             str(uuid.uuid4())))
        if i % 3 == 0:
            codes.append((f"{i:04X}"[-4:].rjust(4, "0") + "-" + f"{rng.randrange(16 ** 4):04X}", uuid_))
    codes = list({c: (c, u) for c, u in codes}.values())
    _copy(db, "lesson_state", ["learner_uuid", "lesson_key", "course_id", "completed", "step", "steps_total",
                               "time_spent", "with_help", "help_hlc", "first_hlc", "last_hlc"], lessons)
    _copy(db, "quiz_attempt", ["attempt", "learner_uuid", "lesson_key", "course_id", "score", "total", "passed",
                               "with_help", "hlc", "event_id"], attempts)
    names = {u: (k, n) for u, k, n in learners}
    _copy(db, "certificate", ["code", "learner_uuid", "kiosk_id", "course_id", "name", "centre", "issued_at"],
          ((c, u, names[u][0], "basics", names[u][1], "", 1.7e9) for c, u in codes))
    return codes


def _events(db, rng, count: int, learners, codes, kiosks) -> None:
    """`count` events of the learners' kiosks over the last 90 days, certificate events among them, kept as ingest
    keeps them: each event's place, id and row in `event_seen`, the event in its month's partition (the kiosk as
    its number, the clock in 10 bytes, the type and payload in their short forms: sync/hub/event_forms.py)."""
    _copy(db, "kiosk_number", ["kiosk_id"], ((k,) for k, _ in kiosks))
    numbers = dict(db.execute_sql("SELECT kiosk_id, number FROM kiosk_number").fetchall())
    now = time.time()
    first = now - 90 * 86400
    partitions.make(db, first, now)
    seqs: dict[str, int] = {}
    certified = iter(codes)
    cursor = db.connection().cursor()
    for start in range(0, count, CHUNK):
        seen, events = io.StringIO(), io.StringIO()
        for n in range(start, min(count, start + CHUNK)):
            uuid_, kiosk, name = learners[rng.randrange(len(learners))]
            seq = seqs[kiosk] = seqs.get(kiosk, 0) + 1
            kind, payload = "lesson.progressed", {"course": "basics", "lesson": "basics-1", "status": "started",
                                                  "step": 2, "steps_total": 6, "time_spent": 40, "with_help": False}
            if n % 20 == 0:
                found = next(certified, None)
                if found:
                    kind, payload = "certificate.issued", {"centre": "", "code": found[0], "course": "basics",
                                                           "course_title": "Basics", "issued_at": 1.7e9, "name": name}
            event_id, row, received = str(uuid.uuid4()), n + 1, first + (now - first) * n / count
            seen.write(f"{numbers[kiosk]}\t1\t{seq}\t{row}\t{event_id}\n")
            clock = _field("\\x" + event_forms.clock_bytes(_hlc(received * 1000)).hex())     # bytea's hex form
            events.write("\t".join([str(row), str(seq), repr(received), "1", str(numbers[kiosk]), event_id, uuid_,
                                     clock, event_forms.type_code(kind),
                                     _field(event_forms.compact(checks.canonical(payload)))]) + "\n")
        for table, columns, buffer in (("event_seen", ["kiosk", "epoch", "seq", "row", "id"], seen),
                                       ("event", ["row", "seq", "received_at", "epoch", "kiosk", "id", "learner_uuid",
                                                  "hlc", "type", "payload"], events)):
            _flush(cursor, table, columns, buffer)
    db.execute_sql("SELECT setval(pg_get_serial_sequence('event', 'row'), %s)", [max(count, 1)])


def measure(args, plan: dict) -> list[str]:
    """Start a hub process; each facilitator asks for each page `rounds` times, all at once; p50/p95 and RSS."""
    port = free_port()
    hub = Server([python(), "run.py", "hub", "--host", "127.0.0.1", "--port", str(port), "--database-url",
                  args.database_url], port, "/login")
    lines = [f"hub started, RSS {hub.rss_mb():.0f} MB"]
    try:
        sessions = {name: _signed_in(hub.base, name) for name in plan["facilitators"]}
        later = _later_page(sessions["national"], hub.base)
        pages = {"dashboard": "/dashboard", "learners page 1": "/learners", "learners, a later page": later,
                 "learners, find by name": "/learners?find=awa%2000", "verify a certificate": None,
                 "learners CSV (whole scope)": "/learners.csv"}
        for label, path in pages.items():
            rounds = 3 if path == "/learners.csv" else args.rounds
            times, sizes = _at_once(hub.base, sessions, path, plan["codes"], rounds)
            lines.append(f"{label}: p50 {_ms(times, 50)} ms, p95 {_ms(times, 95)} ms, "
                         f"{statistics.median(sizes) / 1024:.0f} KB (largest {max(sizes) / 1024:.0f} KB), {len(times)} requests by {len(sessions)} at "
                         f"once; hub RSS after: {hub.rss_mb():.0f} MB")
    finally:
        hub.stop()
    return lines


def _signed_in(base: str, name: str) -> requests.Session:
    browser = requests.Session()
    token = CSRF.search(browser.get(base + "/login", timeout=30).text).group(1)
    answer = browser.post(base + "/login", data={"name": name, "password": PASSWORD, "csrf_token": token},
                          timeout=30, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    return browser


def _later_page(browser, base: str, hops: int = 20) -> str:
    """The address of the national learners list `hops` pages in, by following its next links."""
    path = "/learners"
    for _ in range(hops):
        found = re.search(r'rel="next" href="([^"]+)"', browser.get(base + path, timeout=60).text)
        if not found:
            break
        path = found.group(1).replace("&amp;", "&")
    return path


def _at_once(base: str, sessions: dict, path: str | None, codes: list[str], rounds: int):
    """Every facilitator asks `rounds` times in its own thread; (seconds of each request, bytes of each answer)."""
    times, sizes, lock = [], [], threading.Lock()

    def ask(browser, seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(rounds):
            target = path or f"/verify?code={rng.choice(codes)}"
            began = time.perf_counter()
            answer = browser.get(base + target, timeout=300)
            size = len(answer.content)
            spent = time.perf_counter() - began
            assert answer.status_code == 200, (target, answer.status_code)
            with lock:
                times.append(spent)
                sizes.append(size)
    at_once(ask, [(browser, i) for i, browser in enumerate(sessions.values())])
    return times, sizes


def _ms(times: list[float], percent: int) -> str:
    ordered = sorted(times)
    return f"{ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))] * 1000:.0f}"


if __name__ == "__main__":
    main()
