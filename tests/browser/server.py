"""A real kiosk on 127.0.0.1 for the browser checks: in a thread, or in its own process.

The database object is shared by the whole process (peewee's unbound `database`), so a second kiosk
with other settings (a short idle time) runs in a child process: `python -m tests.browser.server CONFIG`.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
import wave
from pathlib import Path

from waitress.server import create_server

from tests.threaded_server import ThreadedServer

ROOT = Path(__file__).resolve().parents[2]


class ThreadedKiosk(ThreadedServer):
    """waitress serving a Flask app from a daemon thread; `base` is its address."""

    def __init__(self, app):
        super().__init__(app, name="kiosk-server")
        wait_until_up(self.base)


class ChildKiosk:
    """A kiosk in its own Python process, built with create_app(config)."""

    def __init__(self, config: dict):
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.browser.server", json.dumps(config)],
                                     cwd=ROOT, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://"):
            self.proc.kill()
            raise RuntimeError(f"the kiosk did not start: {line!r}")
        self.base = line
        wait_until_up(self.base)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


def wait_until_up(base: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"no answer from {base}")


def write_silence(path: Path, seconds: float = 0.3) -> Path:
    """A tiny valid WAV file: a lesson's recorded reading for the read-aloud check."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * int(8000 * seconds))
    return path


def _main(config: dict) -> None:
    from kiosk.app import create_app

    app = create_app(config)
    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="Relais")
    print(f"http://127.0.0.1:{server.effective_port}", flush=True)
    server.run()


if __name__ == "__main__":
    _main(json.loads(sys.argv[1]))
