"""A learner driving a real kiosk over HTTP (cookies, CSRF tokens), for load and crash tests."""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class HttpLearner:
    def __init__(self, base: str, timeout: float = 20):
        self.base, self.timeout = base, timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=self.timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def post(self, path: str, data: dict, token_from: str) -> tuple[int, str]:
        status, page = self.get(token_from)
        match = TOKEN.search(page)
        if not match:
            return status, ""
        body = urllib.parse.urlencode({**data, "csrf_token": match.group(1)}, doseq=True).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=self.timeout) as response:
                return response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(content: Path, data: Path, port: int, threads: int = 6, env: dict | None = None) -> subprocess.Popen:
    """`run.py serve` in a process of its own; `env` adds settings (RELAIS_<NAME>) to the environment."""
    proc = subprocess.Popen([sys.executable, "run.py", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--content", str(content), "--data", str(data), "--threads", str(threads)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})})
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the kiosk server stopped at start-up")
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the kiosk server did not start")
