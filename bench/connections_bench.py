"""Slow and half-open connections: how fast an ordinary page answers while one phone holds 500 of them.

`run()` returns rows (figure, measured, baseline or goal); `python -m bench.connections_bench` prints
them. Each figure is the median of REQUESTS requests, each on a new connection (a new visitor), beside
the same request to the same server with no attack, measured in the same run. Servers are the real
`relais serve` and `relais hub`; the phone is tests/slow_clients.py, in this process.
"""
from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
import urllib.request
from functools import partial
from pathlib import Path

from sync.base.serving import raise_open_file_limit

from .harness import ROOT, Server, free_port, python
from .kiosk_bench import Learner

PHONE = 500
REQUESTS = 15
GUARD = 5.0            # seconds before a request counts as unanswered


def run(quick: bool = False) -> list[tuple[str, str, str]]:
    from tests.slow_clients import HalfOpen, Slowloris

    raise_open_file_limit(4096)                 # this process plays the phone: 1,100 sockets at most
    work = Path(tempfile.mkdtemp(prefix="relais-connections-bench-"))
    rows: list[tuple[str, str, str]] = []
    attacks = (("half-open (silent)", HalfOpen),
               ("slowloris (a header byte every 2 s)", partial(Slowloris, drip=2.0)))
    try:
        kiosk = _kiosk(work / "kiosk")
        learner = Learner(kiosk.base)
        pages = {"kiosk /healthz": (kiosk.base + "/healthz", None),
                 "kiosk lesson page (logged in)": (kiosk.base + "/courses/first-digital-steps/the-mouse", learner)}
        rows += _under(kiosk, pages, attacks)
        rows.append(_held_memory(kiosk, partial(Slowloris, drip=2.0)))
        kiosk.stop()
        port = free_port()
        hub = Server([python(), "run.py", "hub", "--host", "127.0.0.1", "--port", str(port), "--data",
                      str(work / "hub")], port, "/login")
        rows += _under(hub, {"hub login page": (hub.base + "/login", None)}, attacks)
        hub.stop()
        rows.append(_waitress_default(work / "default"))
        if not quick:
            rows.append(_beyond_the_limit(work / "beyond"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def _kiosk(data: Path, **env) -> Server:
    port = free_port()
    return Server([python(), "run.py", "serve", "--host", "127.0.0.1", "--port", str(port), "--data", str(data)],
                  port, "/healthz", env=env)


def _timed(url: str, learner: Learner | None = None) -> float | None:
    """Milliseconds for one GET on a new connection, or None when it did not answer within GUARD."""
    opener = learner.opener if learner else urllib.request.build_opener()
    started = time.perf_counter()
    try:
        with opener.open(url, timeout=GUARD) as response:
            response.read()
    except OSError:
        return None
    return (time.perf_counter() - started) * 1000


def _median(url: str, learner: Learner | None = None, count: int = REQUESTS) -> str:
    times = [_timed(url, learner) for _ in range(count)]
    answered = [t for t in times if t is not None]
    if len(answered) < len(times):
        return f"{len(times) - len(answered)} of {len(times)} unanswered within {GUARD:.0f} s"
    return f"{statistics.median(answered):.1f} ms"


def _under(server: Server, pages: dict, attacks) -> list[tuple[str, str, str]]:
    rows = []
    for attack_name, attack in attacks:
        for page, (url, learner) in pages.items():
            quiet = _median(url, learner)
            with attack(server.port, PHONE):
                time.sleep(1)                 # the server takes the phone's connections
                loud = _median(url, learner)
            rows.append((f"Connections: {page}, while one phone holds {PHONE} {attack_name} connections "
                         f"(median of {REQUESTS}, a new connection each)", loud, f"no attack: {quiet}"))
    return rows


def _held_memory(kiosk: Server, attack) -> tuple[str, str, str]:
    idle = kiosk.rss_mb()
    with attack(kiosk.port, 990):
        time.sleep(3)
        held = kiosk.rss_mb()
    return ("Connections: kiosk RSS while holding 990 slowloris connections (just under SERVER_CONNECTION_LIMIT)",
            f"{held:.1f} MB", f"idle, same process: {idle:.1f} MB")


def _waitress_default(data: Path) -> tuple[str, str, str]:
    from tests.slow_clients import HalfOpen
    kiosk = _kiosk(data, RELAIS_SERVER_CONNECTION_LIMIT="100")
    quiet = _median(kiosk.base + "/healthz")
    with HalfOpen(kiosk.port, PHONE):
        time.sleep(1)
        loud = _median(kiosk.base + "/healthz", count=3)
    kiosk.stop()
    return (f"Connections: kiosk /healthz with SERVER_CONNECTION_LIMIT=100 (waitress's default), while one phone "
            f"holds {PHONE} half-open (silent) connections (3 requests)", loud, f"no attack: {quiet}")


def _beyond_the_limit(data: Path) -> tuple[str, str, str]:
    """More silent connections than the limit: the first new visitor waits for the timeout sweep."""
    from tests.slow_clients import HalfOpen
    kiosk = _kiosk(data)
    with HalfOpen(kiosk.port, 1100):
        started = time.perf_counter()
        try:
            urllib.request.urlopen(kiosk.base + "/healthz", timeout=90).read()
            waited = f"first answer after {time.perf_counter() - started:.1f} s"
        except OSError:
            waited = "no answer within 90 s"
    kiosk.stop()
    return ("Connections: kiosk /healthz while 1,100 silent half-open connections exceed SERVER_CONNECTION_LIMIT "
            "(1,000)", waited, "SERVER_CHANNEL_TIMEOUT 30 s + a sweep every 5 s")


if __name__ == "__main__":
    os.chdir(ROOT)
    for row in run():
        print(" | ".join(row))
