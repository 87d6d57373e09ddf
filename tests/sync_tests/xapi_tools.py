"""The node tools of the hub's xAPI tests (tests/xapi_node): Learning Locker's LRS, its validator, @xapi/xapi.

`.ci/run` installs them with `npm ci` and sets RELAIS_REQUIRE_NODE_TOOLS, so that there a missing tool fails the
tests; elsewhere the tests that need them are skipped.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

NODE_DIR = Path(__file__).resolve().parents[1] / "xapi_node"
LRS_MAIN = NODE_DIR / "node_modules" / "xapi-statements" / "dist" / "index.js"
# Learning Locker's xapi-statements with every store in memory: no MongoDB, no Redis ("test" auth takes any key).
LRS_ENV = {"AUTH_REPO": "test", "EVENTS_REPO": "test", "MODELS_REPO": "memory", "STORAGE_REPO": "memory",
           "WINSTON_CONSOLE_LEVEL": "error"}


def need_node() -> None:
    if not LRS_MAIN.exists():
        missing = "the xAPI node tools are not installed: cd tests/xapi_node && npm ci"
        if os.environ.get("RELAIS_REQUIRE_NODE_TOOLS"):
            pytest.fail(missing)
        pytest.skip(missing)


def node(request: dict) -> dict:
    """One run of tests/xapi_node/tool.js (validate statements, read an endpoint with @xapi/xapi)."""
    need_node()
    done = subprocess.run(["node", str(NODE_DIR / "tool.js")], input=json.dumps(request), capture_output=True,
                          text=True, timeout=120, cwd=NODE_DIR, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LearningLocker:
    """Learning Locker's LRS (npm xapi-statements) on 127.0.0.1; `url` is its xAPI base (…/xAPI)."""

    def __init__(self):
        need_node()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/xAPI"
        env = dict(os.environ, EXPRESS_PORT=str(self.port), **LRS_ENV)
        self.process = subprocess.Popen(["node", str(LRS_MAIN)], cwd=NODE_DIR, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                requests.get(self.url + "/about", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("Learning Locker's LRS did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
