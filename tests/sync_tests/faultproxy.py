"""A small asyncio TCP proxy on 127.0.0.1 that breaks connections on purpose (the kernel here has no netem).

Faults are queued and each new connection takes the next one:
  Fault("cut", n)      forward n bytes of the upload, then cut both sides (a link that drops mid-request);
  Fault("drop")        forward the request, then cut the client as soon as the hub answers (a lost ack
                       after the hub committed);
  Fault("delay", s)    hold the hub's answer s seconds before passing it on;
  Fault("status", c)   answer HTTP status c (500, 503…) without reaching the hub;
  Fault("cut_down", n) forward n bytes of the hub's answer, then cut both sides (a download that drops);
  Fault("pass")        nothing (also what a connection gets when the queue is empty).
Whole-link settings: `rate` (bytes per second, each direction), `latency` (seconds added before each
chunk of an answer) and `cut_every` (cut whichever connection carries the upload across each multiple
of that many bytes). `bytes_up`/`bytes_down` count what passed.
"""
from __future__ import annotations

import asyncio
import collections
import threading
from dataclasses import dataclass

CHUNK = 4096


@dataclass
class Fault:
    kind: str = "pass"
    arg: float = 0


class FaultProxy:
    def __init__(self, target_port: int, rate: float | None = None, cut_every: int | None = None,
                 latency: float = 0.0):
        self.target_port, self.rate, self.cut_every, self.latency = target_port, rate, cut_every, latency
        self.faults: collections.deque[Fault] = collections.deque()
        self.bytes_up = self.bytes_down = self.connections = self.cuts = 0
        self._next_cut = cut_every
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="faultproxy", daemon=True)
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", 0), self._loop).result(5)
        self.port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def add(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def stop(self) -> None:
        async def _close():
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()
        asyncio.run_coroutine_threadsafe(_close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    async def _handle(self, client_r, client_w):
        self.connections += 1
        fault = self.faults.popleft() if self.faults else Fault()
        try:
            if fault.kind == "status":
                await self._answer(client_r, client_w, int(fault.arg))
                return
            hub_r, hub_w = await asyncio.open_connection("127.0.0.1", self.target_port)
            up = asyncio.ensure_future(self._upload(client_r, hub_w, fault))
            down = asyncio.ensure_future(self._download(hub_r, client_w, fault))
            await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
            for task in (up, down):
                task.cancel()
            hub_w.transport.abort()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            client_w.transport.abort()

    async def _upload(self, reader, writer, fault: Fault):
        sent = 0
        while True:
            chunk = await reader.read(CHUNK)
            if not chunk:
                return
            if fault.kind == "cut" and sent + len(chunk) >= fault.arg:
                chunk, stop = chunk[:max(0, int(fault.arg) - sent)], True
            else:
                chunk, stop = self._link_cut(chunk)
            await self._throttle(len(chunk))
            writer.write(chunk)
            await writer.drain()
            sent += len(chunk)
            self.bytes_up += len(chunk)
            if stop:
                self.cuts += 1
                return

    def _link_cut(self, chunk: bytes) -> tuple[bytes, bool]:
        """With cut_every: stop at the next multiple of that many upload bytes."""
        if not self.cut_every or self.bytes_up + len(chunk) < self._next_cut:
            return chunk, False
        keep = self._next_cut - self.bytes_up
        self._next_cut += self.cut_every
        return chunk[:keep], True

    async def _download(self, reader, writer, fault: Fault):
        first, sent = True, 0
        while True:
            chunk = await reader.read(CHUNK)
            if not chunk:
                return
            stop = fault.kind == "cut_down" and sent + len(chunk) >= fault.arg
            if stop:
                chunk = chunk[:max(0, int(fault.arg) - sent)]
            if first and fault.kind == "drop":
                return                          # the hub has answered, so it committed: lose the answer
            if first and fault.kind == "delay":
                await asyncio.sleep(fault.arg)
            first = False
            if self.latency:
                await asyncio.sleep(self.latency)
            await self._throttle(len(chunk))
            writer.write(chunk)
            await writer.drain()
            self.bytes_down += len(chunk)
            sent += len(chunk)
            if stop:
                self.cuts += 1
                return

    async def _throttle(self, size: int):
        if self.rate:
            await asyncio.sleep(size / self.rate)

    async def _answer(self, reader, writer, status: int):
        """Read one request (headers and body) and answer `status` with Retry-After: 0."""
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        if length:
            await reader.readexactly(length)
        self.bytes_up += len(head) + length
        writer.write(f"HTTP/1.1 {status} Fault\r\nRetry-After: 0\r\nContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n".encode())
        await writer.drain()
