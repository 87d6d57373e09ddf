"""Running servers and load for benchmarks: taskset pinning, wrk or a small threaded client, RSS."""
from __future__ import annotations

import http.client
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_CPU, CLIENT_CPU = "0", "1"


def at_once(work, arguments: list[tuple]) -> float:
    """Run `work(*args)` for each tuple of `arguments`, each in its own thread, all at once; the seconds until
    the last one ends."""
    threads = [threading.Thread(target=work, args=args) for args in arguments]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def machine_line() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    pin = "server pinned to CPU 0, load on CPU 1" if has_taskset() else "no taskset: not pinned"
    return (f"Machine: {cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; "
            f"{pin}; load generator: {'wrk' if shutil.which('wrk') else 'threaded Python client'}"
            f"{' (wrk -t2, pinned to CPU 1)' if shutil.which('wrk') else ''}.")


def has_taskset() -> bool:
    return shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2


def pinned(cmd: list[str], cpu: str) -> list[str]:
    return ["taskset", "-c", cpu, *cmd] if has_taskset() else cmd


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ok(url: str, timeout: float = 120) -> float:
    """Seconds until `url` answers 200."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def wait_listening(port: int, timeout: float = 120) -> float:
    """Seconds until something accepts a TCP connection on `port` (no HTTP request is sent)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return time.perf_counter() - started
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


class Server:
    """A server process on 127.0.0.1, pinned to the server CPU.

    `ready_path=None`: ready as soon as the port accepts a connection, before any request (the kiosk and
    waitress listen only once the app is built and the catalogue indexed).
    """

    def __init__(self, cmd: list[str], port: int, ready_path: str | None = "/", env: dict | None = None):
        self.port, self.base = port, f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        # Narration is made in the background at start: off, so it does not weigh on the figures measured.
        env = {**os.environ, "RELAIS_NARRATION": "no", **(env or {})}
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop(); says why, should it not start)
        self.proc = subprocess.Popen(pinned(cmd, SERVER_CPU), cwd=ROOT, stdout=subprocess.DEVNULL,
                                     stderr=self.errors, env=env)
        try:
            if ready_path is None:
                wait_listening(port)
            else:
                wait_ok(self.base + ready_path)
        except RuntimeError as error:
            self.errors.seek(0)
            tail = self.errors.read().decode(errors="replace").strip().splitlines()[-3:]
            self.stop()
            raise RuntimeError(f"{error}; {' '.join(cmd[:3])}… said: {' / '.join(tail) or 'nothing'}") from None
        self.startup = time.perf_counter() - started

    def rss_mb(self) -> float:
        pid = self.proc.pid
        for child in _children(pid):
            pid = child             # taskset execs, but be safe with wrappers
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.errors.close()


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def load(url: str, connections: int, seconds: float, headers: dict | None = None,
         post_body: str | None = None) -> dict:
    """Throughput and latency percentiles of one run (wrk where installed)."""
    if shutil.which("wrk"):
        return _wrk(url, connections, seconds, headers or {}, post_body)
    return _python_load(url, connections, seconds, headers or {}, post_body)


def _wrk(url, connections, seconds, headers, post_body) -> dict:
    script = None
    if post_body is not None:
        lua = (f'wrk.method = "POST"\nwrk.body = "{post_body}"\n'
               'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n')
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write(lua)
        script.close()
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url]
    for key, value in headers.items():
        cmd[1:1] = ["-H", f"{key}: {value}"]
    if script:
        cmd[1:1] = ["-s", script.name]
    out = subprocess.run(pinned(cmd, CLIENT_CPU), capture_output=True, text=True, check=True).stdout
    if script:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|timeout)\D+(\d+)", out))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50": _wrk_ms(out, "50%"), "p99": _wrk_ms(out, "99%"), "errors": errors,
            "requests": total}


def _wrk_ms(out: str, label: str) -> float:
    value, unit = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _python_load(url, connections, seconds, headers, post_body) -> dict:
    host, port, path = re.match(r"http://([^:/]+):(\d+)(.*)", url).groups()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        mine = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                if post_body is None:
                    conn.request("GET", path or "/", headers=headers)
                else:
                    conn.request("POST", path, body=post_body, headers={
                        **headers, "Content-Type": "application/x-www-form-urlencoded"})
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    errors[0] += 1
            except OSError:
                errors[0] += 1
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return {"rps": len(latencies) / seconds, "p50": latencies[len(latencies) // 2],
            "p99": latencies[int(len(latencies) * 0.99)], "errors": errors[0], "requests": len(latencies)}


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable
