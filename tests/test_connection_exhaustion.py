"""A single phone cannot stall the kiosk or the hub with slow or half-open connections.

Real servers (`relais serve`, `relais hub`) on 127.0.0.1; 500 connections that start a request and
never finish it, silent or dripping a header byte every second; meanwhile an ordinary visitor's
pages still answer. No duration is asserted: the client timeout only keeps a stalled server from
hanging the test (the latency is a benchmark row: bench/connections_bench.py).
"""
from __future__ import annotations

import os
import resource
import shlex
import socket
import subprocess
import sys
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from sync.base import serving
from tests.conftest import ROOT
from tests.reliability.kiosk_client import HttpLearner, free_port
from tests.slow_clients import HalfOpen, Slowloris
from tests.sync_tests.conftest import wait_for

PHONE_CONNECTIONS = 500
HANG_GUARD = 15            # seconds a request may take before the test calls the server stalled
ATTACKS = {"half-open": HalfOpen, "slowloris": Slowloris}
NEEDED_FILES = (PHONE_CONNECTIONS + 10) * serving.FILES_PER_CONNECTION + serving.SPARE_FILES
pytestmark = pytest.mark.skipif(resource.getrlimit(resource.RLIMIT_NOFILE)[1] < NEEDED_FILES,
                                reason="this machine allows a process too few open files for 500 connections")


class Running:
    """A `run.py` command serving on 127.0.0.1, its output kept in a file (a pipe nobody reads could fill)."""

    def __init__(self, args: list[str], ready: str, log: Path, shell_prefix: str = "", **env):
        self.log = log
        command = [sys.executable, "run.py", *args]
        if shell_prefix:                                  # e.g. `ulimit -n 700 &&`
            command = ["sh", "-c", f"{shell_prefix} exec {shlex.join(command)}"]
        with open(log, "w") as out:
            self.proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                         env={**os.environ, "PYTHONUNBUFFERED": "1", **env})
        if not wait_for(lambda: self.proc.poll() is not None or answers(ready), timeout=60):
            self.proc.kill()
            self.proc.wait()
        assert self.proc.poll() is None, self.output()
        self.pid = self.proc.pid

    def output(self) -> str:
        return self.log.read_text()

    def stop(self) -> str:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        return self.output()


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).read()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory):
    work, port = tmp_path_factory.mktemp("kiosk"), free_port()
    server = Running(["serve", "--host", "127.0.0.1", "--port", str(port), "--data", str(work / "data")],
                     f"http://127.0.0.1:{port}/healthz", work / "output.txt")
    yield port, server.pid
    server.stop()


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    work, port = tmp_path_factory.mktemp("hub"), free_port()
    server = Running(["hub", "--host", "127.0.0.1", "--port", str(port), "--data", str(work / "data")],
                     f"http://127.0.0.1:{port}/login", work / "output.txt")
    yield port, server.pid
    server.stop()


def open_sockets(pid: int) -> int:
    """How many sockets the server process holds (Linux's /proc), its connections and its listener."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except FileNotFoundError:
            pass                              # closed while we looked
    return count


@contextmanager
def phone(attack: str, port: int, pid: int):
    """One phone's unfinished requests, held while the block runs, then dropped."""
    with ATTACKS[attack](port, PHONE_CONNECTIONS):
        # Give the server a moment to take them all (it cannot on waitress's defaults: then go on).
        wait_for(lambda: open_sockets(pid) >= PHONE_CONNECTIONS, timeout=HANG_GUARD)
        yield
    wait_for(lambda: open_sockets(pid) < PHONE_CONNECTIONS // 10, timeout=HANG_GUARD)


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_learner_reads_a_lesson_while_a_phone_holds_500_unfinished_requests(kiosk, attack):
    port, pid = kiosk
    learner = HttpLearner(f"http://127.0.0.1:{port}", timeout=HANG_GUARD)
    assert learner.post("/new", {"name": f"Nadia {attack}", "picture": "flower"}, token_from="/new")[0] == 302
    with phone(attack, port, pid):
        health = learner.get("/healthz")
        lesson = learner.get("/courses/first-digital-steps/the-mouse")
    assert health[0] == 200 and '"courses"' in health[1], health
    assert lesson[0] == 200 and "Nadia" in lesson[1], lesson[0]


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_facilitator_reaches_the_hub_login_while_a_phone_holds_500_unfinished_requests(hub, attack):
    port, pid = hub
    with phone(attack, port, pid):
        status, page = HttpLearner(f"http://127.0.0.1:{port}", timeout=HANG_GUARD).get("/login")
    assert status == 200 and 'name="password"' in page, (status, page[:300])


def test_a_phone_that_falls_silent_mid_request_is_let_go(tmp_path):
    port = free_port()
    hub = Running(["hub", "--host", "127.0.0.1", "--port", str(port), "--data", str(tmp_path / "data")],
                  f"http://127.0.0.1:{port}/login", tmp_path / "output.txt", RELAIS_SERVER_CHANNEL_TIMEOUT="1")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=HANG_GUARD) as connection:
            connection.sendall(b"GET /login HTTP/1.1\r\nHost: relais\r\n")
            assert connection.recv(1024) == b""          # closed by the hub, not by the hang guard
    finally:
        hub.stop()


def test_a_server_allowed_few_open_files_takes_fewer_connections_and_says_so(tmp_path):
    port = free_port()
    hub = Running(["hub", "--host", "127.0.0.1", "--port", str(port), "--data", str(tmp_path / "data")],
                  f"http://127.0.0.1:{port}/login", tmp_path / "output.txt", shell_prefix="ulimit -n 700 &&")
    assert "Only 700 open files allowed: accepting 148 connections at once, not 1000" in hub.stop()


def test_the_connection_limit_always_fits_under_the_open_file_limit():
    options = serving.waitress_options(connection_limit=1000, channel_timeout=30, open_files=4096)
    assert options["connection_limit"] == 1000 and options["channel_timeout"] == 30
    assert options["asyncore_use_poll"] is True           # select() fails above 1,024 open files
    fitted = serving.waitress_options(1000, 30, open_files=1024)["connection_limit"]
    assert fitted * serving.FILES_PER_CONNECTION + serving.SPARE_FILES <= 1024
    assert serving.waitress_options(1000, 30, open_files=300)["connection_limit"] == 100   # waitress's own
    assert serving.waitress_options(20, 30, open_files=300)["connection_limit"] == 20
