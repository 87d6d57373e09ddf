"""End to end against a real waitress server on 127.0.0.1, as a browser on the kiosk's Wi-Fi would see it."""
import contextlib
import http.cookiejar
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from tests.conftest import ROOT


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_kiosk(data_dir):
    """`run.py serve` on the demo content, as a centre runs it, until the block ends: its base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "run.py", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--data", str(data_dir)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def server(tmp_path):
    with running_kiosk(tmp_path / "data") as base:
        yield base


def test_a_learner_uses_the_demo_kiosk_over_http(server):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def token(url):
        return re.search(r'name="csrf_token" value="([^"]+)"', opener.open(server + url).read().decode()).group(1)

    data = urllib.parse.urlencode({"csrf_token": token("/new"), "name": "Nadia", "picture": "flower"}).encode()
    home = opener.open(server + "/new", data=data).read().decode()
    assert "Nadia" in home and "Premiers pas" in home
    request = urllib.request.Request(server + "/courses/first-digital-steps", headers={"Accept-Encoding": "gzip"})
    response = opener.open(request)
    assert response.headers["Content-Encoding"] == "gzip"
    health = urllib.request.urlopen(server + "/healthz").read().decode()
    assert '"learners":1' in health.replace(" ", "")
