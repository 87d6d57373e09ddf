"""One phone misbehaving on the kiosk's Wi-Fi: many connections that start a request and never finish it.

`HalfOpen` sends half a request line or half the headers on each connection, then stays silent;
`Slowloris` does the same, then sends one more header byte on every connection every `drip` seconds,
so a server that only closes silent connections keeps them all. Both are context managers (used by
tests/test_connection_exhaustion.py and bench/connections_bench.py).
"""
from __future__ import annotations

import socket
import threading

# The two ways a request is left unfinished, taken in turn by the connections.
PARTIAL_REQUESTS = (b"GET /courses/first-digital", b"GET / HTTP/1.1\r\nHost: relais\r\nAccept: text/")


class HalfOpen:
    """`count` connections to 127.0.0.1:`port`, each with an unfinished request, silent afterwards."""

    def __init__(self, port: int, count: int):
        self.port, self.count = port, count
        self.sockets: list[socket.socket] = []

    def __enter__(self):
        for n in range(self.count):
            connection = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            connection.sendall(self.first_bytes(n))
            self.sockets.append(connection)
        return self

    def first_bytes(self, n: int) -> bytes:
        return PARTIAL_REQUESTS[n % len(PARTIAL_REQUESTS)]

    def __exit__(self, *exc):
        for connection in self.sockets:
            connection.close()
        self.sockets.clear()


class Slowloris(HalfOpen):
    """Half-open connections that each send one header byte every `drip` seconds, forever."""

    def __init__(self, port: int, count: int, drip: float = 1.0):
        super().__init__(port, count)
        self.drip, self.stopped = drip, threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self):
        super().__enter__()
        self.thread.start()
        return self

    def first_bytes(self, n: int) -> bytes:
        return PARTIAL_REQUESTS[1] + b"\r\nX-Slow: "          # inside the headers, a value never ending

    def _trickle(self):
        while not self.stopped.wait(self.drip):
            for connection in list(self.sockets):
                try:
                    connection.send(b"a")
                except OSError:
                    pass                              # the server let this one go: fine

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(timeout=10)
        super().__exit__(*exc)
