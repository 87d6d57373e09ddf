"""waitress serving a WSGI app from a thread on 127.0.0.1, for the tests that need a real server.

Only the serving thread closes the server's sockets. Closed from another thread while that thread waits
in select() on them, they raise EBADF inside the loop (the exception surfaced in a later test), or their
numbers are reused at once by another test's socket. `stop()` lets the running requests finish and
asks the loop to stop; the loop sees it within LOOP_SECONDS and closes everything itself, keep-alive
connections included.
"""
from __future__ import annotations

import threading

from waitress import wasyncore
from waitress.server import create_server


LOOP_SECONDS = 0.05                 # how long select() waits before the loop looks whether to stop


class ThreadedServer:
    def __init__(self, app, name: str = "test-server", **adjustments):
        self.app = app
        self.server = create_server(app, **{"host": "127.0.0.1", "port": 0, "threads": 4, "ident": "Relais",
                                            "asyncore_loop_timeout": LOOP_SECONDS, **adjustments})
        self.port = self.server.effective_port
        self.base = f"http://127.0.0.1:{self.port}"
        self._stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        server = self.server
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=server.adj.asyncore_loop_timeout, map=server._map, count=1)
        finally:
            wasyncore.close_all(server._map)

    def stop(self) -> None:
        self.server.task_dispatcher.shutdown(timeout=5)
        self._stopping.set()
        self.thread.join(timeout=10)
        if self.thread.is_alive():
            raise RuntimeError(f"{self.thread.name} on {self.base} did not stop")
