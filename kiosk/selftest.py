"""Capacity self-test: a short load against a copy of this kiosk, told in one plain sentence.

The copy runs as a separate server on a free port with a throwaway data folder, so the test creates no
learner, sends nothing to the hub and leaves the real kiosk's data alone.
"""
from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS_BETWEEN_PAGES = 15      # a learner reading a lesson asks for a page about every 15 s
ACCEPTABLE_P95_MS = 1000        # beyond this a page feels slow to a beginner
WIFI_HOTSPOT_LIMIT = 8          # a Raspberry Pi's own hotspot handles few clients well


@dataclass
class SelfTestResult:
    requests: int
    errors: int
    seconds: float
    per_second: float
    p95_ms: float
    learners: int
    measured_at: float

    def as_dict(self) -> dict:
        return asdict(self)


def run(content_dir: Path, seconds: float = 8, clients: int = 4) -> SelfTestResult:
    """Start a copy of the kiosk, load it with `clients` learners for `seconds`, estimate capacity."""
    with tempfile.TemporaryDirectory(prefix="relais-selftest-") as data:
        port = _free_port()
        server = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "serve", "--host", "127.0.0.1",
                                   "--port", str(port), "--content", str(content_dir), "--data", data],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait(port)
            latencies, errors = _load(port, seconds, clients)
        finally:
            server.terminate()
            server.wait(timeout=10)
    latencies.sort()
    rate = len(latencies) / seconds
    p95 = latencies[int(len(latencies) * 0.95)] if latencies else float("inf")
    # Throughput holds while latency stays acceptable; scale it down when it does not.
    usable = rate if p95 <= ACCEPTABLE_P95_MS else rate * ACCEPTABLE_P95_MS / p95
    return SelfTestResult(requests=len(latencies), errors=errors, seconds=seconds, per_second=round(rate, 1),
                          p95_ms=round(p95, 1), learners=int(usable * SECONDS_BETWEEN_PAGES),
                          measured_at=time.time())


def _load(port: int, seconds: float, clients: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def learner(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        cookie, pages = _sign_up(conn, number)
        mine = []
        while time.perf_counter() < deadline:
            for path in pages:
                started = time.perf_counter()
                try:
                    conn.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
                    response = conn.getresponse()
                    response.read()
                    if response.status >= 400:
                        errors[0] += 1
                except OSError:
                    errors[0] += 1
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=learner, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0]


def _sign_up(conn: http.client.HTTPConnection, number: int) -> tuple[str, list[str]]:
    """Create a throwaway learner on the copy; return its cookie and the pages a learner reads."""
    conn.request("GET", "/new")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "name": f"Test {number}", "picture": "sun"})
    conn.request("POST", "/new", body=body, headers={"Cookie": cookie,
                                                     "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    cookie = (response.getheader("Set-Cookie") or cookie).split(";")[0]
    conn.request("GET", "/courses", headers={"Cookie": cookie})
    catalogue = conn.getresponse().read().decode()
    pages = ["/home", "/courses"]
    course = re.search(r'href="(/courses/[^"/]+)"', catalogue)
    if course:
        conn.request("GET", course.group(1), headers={"Cookie": cookie})
        lesson = re.search(r'href="(/courses/[^"/]+/[^"?/]+)"', conn.getresponse().read().decode())
        pages += [course.group(1)] + ([lesson.group(1), lesson.group(1) + "?step=1"] if lesson else [])
    return cookie, pages


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the test copy of the kiosk did not start")
