"""Roaming figures (docs/sync-protocol.md §13): cards down to a kiosk, a change from kiosk A seen on kiosk B,
"Who is learning?" with 500 cards, and USB bundles — each beside a baseline measured in the same run.

Two kiosks (their own SQLite files; the kiosk's one database handle is pointed at one at a time) and a hub
process (`run.py hub`, SQLite, pinned to the server CPU) on 127.0.0.1. Bytes are counted at the socket by
the sync tests' counting proxy (tests/sync_tests/faultproxy.py), one proxy per kiosk: everything its HTTP
client sent and received, request and status lines and headers included. Cards and events are made by the
kiosk's own functions. `python -m bench.roaming_bench [--quick]` prints the rows. As in the other benches,
kiosk, hub and test modules are imported inside the functions that use them: importing `bench` opens nothing.
"""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .harness import ROOT, Server, free_port, load, median_of, python
from .kiosk_bench import RUNS, SECONDS

CARDS = 500
MOVES = 8                     # study moves per card before the first catch-up (each one or two events)
PIN = "2580"
CENTRE = "Centre social Belleville"


class Kiosk:
    """One kiosk app and its sync worker; `direct` talks to the hub, `counted` through a counting proxy."""

    def __init__(self, work: Path, name: str, content: Path, hub: str, code: str, proxy_url: str):
        from kiosk.app import create_app
        from sync.client.enrollment import Link
        from sync.client.worker import SyncWorker
        from tests.sync_tests.conftest import enroll_kiosk

        self.dir = work / name
        self.app = create_app({"DATA_DIR": str(self.dir), "CONTENT_DIR": str(content), "SECRET_KEY": "bench",
                               "DEFAULT_LANGUAGE": "fr", "SYNC_BACKGROUND": "no"})
        self.path = Path(self.app.config["DATA_PATH"])
        self.direct = enroll_kiosk(self.app, hub, code)
        self.counted = Link(**dict(self.direct.__dict__, hub_url=proxy_url))
        self.worker = SyncWorker(self.path, timeouts=(5, 60), roaming=self.app.extensions["roaming"])

    def use(self) -> Kiosk:
        from kiosk.db import open_database
        open_database(self.path / "relais.sqlite3")
        return self

    def upload(self, link) -> None:
        self.worker.roaming.prepare()
        sent, _ = self.worker._upload(link)
        if not sent:
            raise RuntimeError(f"upload failed: {self.worker.last_outcome}")

    def fetch_cards(self, link) -> None:
        if self.worker._cards(link) != "on":
            raise RuntimeError("the cards were not fetched")


def run(quick: bool = False) -> list[tuple[str, str, str]]:
    from kiosk.db import database
    from tests.conftest import SMALL_COURSE, write_tree
    from tests.sync_tests.faultproxy import FaultProxy

    work = Path(tempfile.mkdtemp(prefix="relais-roaming-bench-"))
    rows: list[tuple[str, str, str]] = []
    port = free_port()
    hub = Server([python(), "run.py", "hub", "--host", "127.0.0.1", "--port", str(port), "--data",
                  str(work / "hub")], port, "/login")
    proxies = [FaultProxy(port), FaultProxy(port)]
    try:
        content = write_tree(work / "content", SMALL_COURSE)
        a, b = (Kiosk(work, name, content, hub.base, _code(work / "hub"), proxy.url)
                for name, proxy in zip("ab", proxies))
        cards = 100 if quick else CARDS
        people = _make_cards(a.use(), cards)
        rows += _catch_up(a, b, proxies, people)
        rows += _per_hundred(a, b, proxies, people, 2 if quick else 5)
        rows += _a_to_b(a, b, people, 15 if quick else 21)
        rounds = 2 if quick else 3
        online = _online_bytes(a, proxies[0], people, rounds)
        hub.stop()
        database.close()
        rows += _who_is_learning(work, content, b, cards, 2 if quick else RUNS)
        rows += _bundles(a, work / "hub", people, online, rounds)
    finally:
        for proxy in proxies:
            proxy.stop()
        hub.stop()
        if not database.is_closed():
            database.close()
        shutil.rmtree(work, ignore_errors=True)
    return rows


def _code(hub_dir: Path) -> str:
    return subprocess.run([python(), "run.py", "hub", "enroll-code", CENTRE, "--data", str(hub_dir)], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout.strip()


def _make_cards(kiosk: Kiosk, count: int) -> list[str]:
    """`count` cards with a PIN, each studied for a few moves (steps, completions, quiz attempts)."""
    from kiosk import learners
    from kiosk.db import database
    from tests.sync_tests.conftest import Classroom

    classroom = Classroom(kiosk.app, seed=15)
    people = []
    with database.connection_context():
        for n in range(count):
            people.append(learners.create_learner(f"Personne {n}", "sun", PIN, "fr").uuid)
            classroom.study(people[-1], moves=MOVES)
    return people


def _pending() -> int:
    from kiosk.db import database
    from sync.client.outbox import OutboxEvent
    with database.connection_context():
        return OutboxEvent.select().where(OutboxEvent.sent_at.is_null()).count()


def _counted(proxy) -> tuple[int, int]:
    """(bytes up, bytes down) the proxy counted since the last call."""
    up, down = proxy.bytes_up, proxy.bytes_down
    proxy.bytes_up = proxy.bytes_down = 0
    return up, down


def _catch_up(a: Kiosk, b: Kiosk, proxies, people: list[str]) -> list:
    """A uploads every card's events; B, never synced before, catches up with the network's cards."""
    from kiosk.db import database
    from sync.client import roaming
    from sync.wire import protocol

    events = _pending()
    _counted(proxies[0])
    a.upload(a.counted)
    up_a, down_a = _counted(proxies[0])
    b.use()
    _counted(proxies[1])
    b.fetch_cards(b.counted)
    up_b, down_b = _counted(proxies[1])
    with database.connection_context():
        state = roaming.current()
    a.use()
    a.fetch_cards(a.counted)            # the hub sends A its own cards back, as it folded them
    own = _counted(proxies[0])[1]
    n = len(people)
    pages = -(-n // protocol.CARDS_PAGE)
    return [
        ((f"Roaming: first catch-up of {n} cards ({events:,} events, {MOVES} study moves per card) — bytes the "
         f"kiosk's HTTP client received, counted at the socket by a proxy (headers included; {pages} pages "
         f"of ≤ {protocol.CARDS_PAGE})"),
         (f"{down_b / n:,.0f} B per card, {100 * down_b / events:,.0f} B per 100 events "
         f"({down_b / 1024:,.1f} KB; requests up {up_b / 1024:.1f} KB); {state.cards_received} cards applied"),
         (f"upload of the same events from A: {100 * up_a / events:,.0f} B up per 100 events "
         f"({(up_a + down_a) / 1024:,.1f} KB both ways)")),
        ((f"Roaming: A's first fetch after that upload — its own {n} cards come back (the hub's fold), bytes "
         "received at the socket"), f"{own / n:,.0f} B per card ({own / 1024:,.1f} KB)", "B's catch-up above"),
        ("Roaming: the kiosk's roaming meter (RoamingState.bytes_down) ÷ what the proxy counted both ways",
         f"{100 * state.bytes_down / (up_b + down_b):.1f} %", "—"),
    ]


def _hundred_events(kiosk: Kiosk, people: list[str], learners: int, seed: int) -> int:
    """At least 100 new events on `kiosk`, one study move at a time over `learners` cards."""
    from tests.sync_tests.conftest import Classroom
    classroom = Classroom(kiosk.app, seed=seed)
    chosen = people[seed * learners % len(people):][:learners]
    while _pending() < 100:
        classroom.study(chosen[_pending() % len(chosen)], moves=1)
    return _pending()


def _per_hundred(a: Kiosk, b: Kiosk, proxies, people: list[str], rounds: int) -> list:
    """After the catch-up: ~100 new events on A over 10 cards, A's upload, then B's fetch of those cards."""
    down, up, back = [], [], []
    for seed in range(1, rounds + 1):
        a.use()
        events = _hundred_events(a, people, 10, seed)
        _counted(proxies[0])
        a.upload(a.counted)
        up.append(100 * sum(_counted(proxies[0])) / events)
        b.use()
        _counted(proxies[1])
        b.fetch_cards(b.counted)
        down.append(100 * _counted(proxies[1])[1] / events)
        a.use()
        a.fetch_cards(a.counted)
        back.append(100 * _counted(proxies[0])[1] / events)
    return [((f"Roaming: B's fetch after ~100 new events on A spread over 10 cards (the whole card travels) — bytes "
             f"received at the socket per 100 events, median of {rounds} (each on 10 other cards)"),
             (f"{statistics.median(down):,.0f} B (runs: {_runs(down, '.0f')}); A's own fetch of the same cards "
              f"back: {statistics.median(back):,.0f} B"),
             (f"A's upload of the same events, both ways: {statistics.median(up):,.0f} B "
             f"(runs: {_runs(up, '.0f')})"))]


def _span(counts: list[int]) -> str:
    low, high = min(counts), max(counts)
    return f"{low:,}" if low == high else f"{low:,}–{high:,}"


def _runs(values: list[float], fmt: str) -> str:
    return ", ".join(format(v, fmt) for v in values)


def _a_to_b(a: Kiosk, b: Kiosk, people: list[str], tries: int) -> list:
    """A step read on A, A's upload, B's fetch, straight to the hub (no proxy, no interval waited)."""
    from kiosk import progress
    from kiosk.db import database
    from kiosk.models import Learner

    total, upload, fetch, unseen = [], [], [], 0
    for n in range(tries):
        uuid = people[n % len(people)]
        b.use()
        before = _last_seen(uuid)
        a.use()
        with database.connection_context():
            learner = Learner.get(Learner.uuid == uuid)
            started = time.perf_counter()
            progress.record_step(learner, "basics-mouse", "basics", 1 + n % 3, 4)
        a.upload(a.direct)
        uploaded = time.perf_counter()
        b.use()                                  # the bench's handle moves to B's file: not counted
        switched = time.perf_counter()
        b.fetch_cards(b.direct)
        seen = time.perf_counter()
        unseen += _last_seen(uuid) <= before
        upload.append((uploaded - started) * 1000)
        fetch.append((seen - switched) * 1000)
        total.append(upload[-1] + fetch[-1])
    return [(f"Roaming: a step read on A until B holds it — A's write + upload, then B's fetch + apply, on "
             f"127.0.0.1, each triggered directly (median and p90 of {tries}"
             + (f"; {unseen} not seen on B" if unseen else "") + ")",
             (f"p50 {statistics.median(total):.0f} ms, p90 {_p90(total):.0f} ms (B's fetch: p50 "
             f"{statistics.median(fetch):.0f} ms, p90 {_p90(fetch):.0f} ms)"),
             (f"plain upload round trip (A's write + upload, the same tries): p50 {statistics.median(upload):.0f} "
             f"ms, p90 {_p90(upload):.0f} ms"))]


def _last_seen(uuid: str) -> float:
    from kiosk.db import database
    from kiosk.models import Learner, Progress
    with database.connection_context():
        row = (Progress.select().join(Learner).where((Learner.uuid == uuid) & (Progress.lesson_key == "basics-mouse"))
               .first())
        return row.last_seen if row else 0.0


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def _thousand_events(kiosk: Kiosk, people: list[str], seed: int) -> int:
    """About 1,000 waiting events on `kiosk` (1,000 to 1,002: a study move is one to three events).

    None is marked sent by hand: a gap in the sequence would stop the hub acknowledging what follows."""
    from tests.sync_tests.conftest import Classroom

    classroom = Classroom(kiosk.app, seed=100 + seed)
    while (waiting := _pending()) < 1000:
        classroom.study(people[waiting % len(people)], moves=5 if waiting < 985 else 1)
    return _pending()


def _online_bytes(a: Kiosk, proxy, people: list[str], rounds: int) -> list[float]:
    """The baseline for bundles: bytes per event, both ways, of 1,000 events uploaded online (batches of 500)."""
    per_event = []
    a.use()
    for seed in range(rounds):
        events = _thousand_events(a, people, seed)
        _counted(proxy)
        a.upload(a.counted)
        per_event.append(sum(_counted(proxy)) / events)
    return per_event


def _bundles(a: Kiosk, hub_dir: Path, people: list[str], online: list[float], rounds: int) -> list:
    """1,000 events on a USB stick: sealed on A, imported by the hub (its process stopped, same files)."""
    from kiosk.db import database
    from sync.client import bundles as kiosk_bundles
    from sync.hub import bundles as hub_bundles
    from sync.hub import db as hub_db

    hub_db.open_database(None, hub_dir)
    sizes, export, imported, receipt, counts = [], [], [], [], []
    a.use()
    for seed in range(rounds):
        events = _thousand_events(a, people, 50 + seed)
        path = hub_dir.parent / f"stick-{seed}.relais"
        with database.connection_context():
            started = time.perf_counter()
            done = kiosk_bundles.export(a.path, path)
            export.append(time.perf_counter() - started)
        sizes.append(done.bytes / done.events)
        counts.append(done.events)
        with hub_db.database.connection_context():
            started = time.perf_counter()
            result = hub_bundles.import_bundle(path.read_bytes(), hub_dir)
            imported.append(time.perf_counter() - started)
        back = hub_bundles.receipt_name(path)
        back.write_bytes(result.receipt)
        with database.connection_context():
            started = time.perf_counter()
            kiosk_bundles.apply_receipt(a.path, back)
            receipt.append(time.perf_counter() - started)
        if result.stored != events:
            raise RuntimeError(f"the hub stored {result.stored} of {events} events")
    hub_db.database.close()
    ms = lambda values: f"{1000 * statistics.median(values):.0f} ms"
    return [
        ((f"USB bundle of {_span(counts)} events — bytes per event in the file (sealed, "
         f"header included), median of {rounds}"),
         f"{statistics.median(sizes):.1f} B (runs: {_runs(sizes, '.1f')})",
         (f"online upload of about 1,000 events made the same way, both ways at the socket: "
         f"{statistics.median(online):.1f} B (runs: {_runs(online, '.1f')})")),
        ((f"USB bundle of {_span(counts)} events — time to export (kiosk) / import (hub, SQLite, every check and the "
         f"receipt) / apply the receipt (kiosk), median of {rounds}"),
         f"{ms(export)} / {ms(imported)} / {ms(receipt)} (imports: {_runs([1000 * v for v in imported], '.0f')} ms)",
         "—"),
    ]


def _who_is_learning(work: Path, content: Path, b: Kiosk, cards: int, runs: int) -> list:
    """"Who is learning?" on B holding `cards` cards from A, on the same load as the kiosk bench's pages."""
    from kiosk.views.learners import PAGE

    def serve(data: Path) -> Server:
        port = free_port()
        return Server([python(), "run.py", "serve", "--host", "127.0.0.1", "--port", str(port), "--content",
                       str(content), "--data", str(data)], port, "/healthz", env={"RELAIS_SYNC_BACKGROUND": "no"})

    headers = {"Accept-Encoding": "gzip"}
    targets = [(f"“Who is learning?” with {cards} cards from kiosk A (first screen of {PAGE}; no cookie: a new "
                "session each time)", b.dir),
               ("“Who is learning?” on an empty kiosk (no cookie)", work / "empty"),
               ("Bare Flask + waitress, a 15 KB page gzip'd once at start (ceiling, bench/baseline_app.py)", None)]
    results = {}
    for name, data in targets:
        if data is None:
            port = free_port()
            server = Server([python(), "-m", "bench.baseline_app", str(port)], port, "/")
        else:
            server = serve(data)
        try:
            load(server.base + "/", 8, 1, headers)                              # warm-up
            results[name] = {c: [load(server.base + "/", c, SECONDS, headers) for _ in range(runs)] for c in (16, 64)}
        finally:
            server.stop()
    ceiling = {c: median_of(results[targets[-1][0]][c], "rps") for c in (16, 64)}
    rows = []
    for name, by_conn in results.items():
        for conns, measured in by_conn.items():
            rps, errors = median_of(measured, "rps"), sum(r["errors"] for r in measured)
            rows.append((f"Roaming: {name}, {conns} connections (median of {runs} × {SECONDS} s)",
                         f"{rps:,.0f} req/s, p50 {median_of(measured, 'p50'):.1f} ms, p99 "
                         f"{median_of(measured, 'p99'):.1f} ms" + (f", {errors} errors" if errors else ""),
                         f"{100 * rps / ceiling[conns]:.0f} % of the ceiling"))
    return rows


if __name__ == "__main__":
    for figure, measured, goal in run(quick="--quick" in sys.argv):
        print(f"| {figure} | {measured} | {goal} |")
