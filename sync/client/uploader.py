"""Sending the outbox to the hub: signed gzip'd batches, marked sent only once the hub acknowledged them.

One `push()` is one upload session: batches go out until the outbox is empty or something fails.
Whether and when to try again is the caller's choice (the background worker or `run.py sync`),
with `backoff.delay`.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from sync.wire import backoff, protocol

from . import outbox, state
from .db import database
from .enrollment import TIMEOUTS, Link
from .meter import exchange_bytes, header_bytes

MIN_BATCH, FIRST_BATCH = 10, 50
GROW_SECONDS = 1.5
PERMANENT = {400: "malformed", 401: "unauthorized", 409: "conflict", 413: "too_large"}


@dataclass
class Outcome:
    """How an upload session ended."""

    ok: bool                       # the outbox is empty
    sent: int = 0                  # events acknowledged in this session
    bytes: int = 0                 # request bodies sent, acknowledged or not
    pending: int = 0
    error: str | None = None       # unreachable, timeout, busy, hub_error, clock, no_progress or one of PERMANENT
    detail: str = ""               # what happened, in English, for logs and the terminal
    status: int | None = None
    retry_after: float | None = None
    content: dict | None = None    # the content version the hub offers this kiosk (sync/updates)
    set_aside: int = 0             # events the hub set aside, among those acknowledged (state.SetAsideEvent)

    @property
    def permanent(self) -> bool:
        """Errors a retry cannot fix: a person must look (docs/sync-protocol.md)."""
        return self.error in PERMANENT.values()


class Uploader:
    """Pushes one kiosk's outbox to its hub; keeps the hub's clock offset between sessions."""

    def __init__(self, link: Link, batch_size: int = 500, timeouts=TIMEOUTS, http=None, clock=time.time,
                 meter=None, enforce: bool = False):
        # Batches start small and double after each acknowledgement that came back within GROW_SECONDS,
        # up to batch_size; they shrink to a quarter when a link cuts an upload. On a slow or flaky
        # link a request then stays short, and a cut wastes little (bench/sync_bench.py measures it).
        self.link, self.max_batch, self.batch = link, batch_size, min(batch_size, FIRST_BATCH)
        import requests  # only when talking to a hub: an offline kiosk never loads it (about 5 MB)

        self.timeouts, self.clock = timeouts, clock
        self.http = http or requests.Session()
        self._requests = requests
        self.offset_ms = 0                     # the hub's clock minus ours, learnt from its answers
        # Bytes are counted in `meter` (sync/meter.py); with `enforce`, the budget and window stop uploads.
        self.meter, self.enforce = meter, enforce

    def push(self, progress=None) -> Outcome:
        """Send batches until the outbox is empty or one fails; `progress(sent, total)` after each ack."""
        session, result = self.clock(), Outcome(ok=False)
        with database.connection_context():
            total = outbox.pending_count()
        clock_retried = False
        while True:
            with database.connection_context():
                events = [outbox.to_wire(e) for e in outbox.pending(self.batch)]
                result.pending = outbox.pending_count()
            if not events:
                if result.sent == 0:        # otherwise the last acknowledgement already recorded success
                    with database.connection_context():
                        state.record_success(self.clock())
                result.ok = True
                return result
            if self.enforce and self.meter is not None and not self.meter.upload_allowed():
                result.error, result.detail = "budget", "the daily budget is spent or the time window is closed"
                return result
            body = protocol.encode_batch(events, pending=result.pending - len(events))
            failure = self._send(session, events, body, result)
            if failure == "clock" and not clock_retried:
                clock_retried = True            # the offset is corrected now: one more try
                continue
            if failure == "too_large" and len(events) > 1:
                self.batch = max(1, len(events) // 4)   # a smaller batch passes; only one event alone may not
                result.error, result.detail = None, ""
                continue
            if failure:
                return self._failed(result)
            if progress:
                progress(result.sent, total)

    def _send(self, session: float, events: list[dict], body: bytes, result: Outcome) -> str | None:
        """POST one batch; on an acknowledgement mark events sent. Returns an error code or None."""
        if len(body) > protocol.MAX_BODY:           # the hub would refuse it unread: spare the link
            result.error, result.status = "too_large", None
            result.detail = f"the batch is {len(body)} bytes gzip'd; the hub takes at most {protocol.MAX_BODY}"
            return result.error
        stamp = int(self.clock() * 1000) + self.offset_ms
        headers = protocol.request_headers(self.link.secret, self.link.kiosk_id, protocol.EVENTS_PATH, body, stamp)
        result.bytes += len(body)
        started = time.monotonic()
        try:
            answer = self.http.post(self.link.hub_url + protocol.EVENTS_PATH, data=body, headers=headers,
                                    timeout=self.timeouts)
        except self._requests.Timeout:
            self._count(len(body) + header_bytes(headers), 0)
            return self._network(result, "timeout", "the hub did not answer in time")
        except self._requests.RequestException as error:
            self._count(len(body) + header_bytes(headers), 0)
            return self._network(result, "unreachable", f"the hub could not be reached ({type(error).__name__})")
        up, down = exchange_bytes(answer)
        self._count(len(body) + up, len(answer.content) + down)
        failure = self._answer(session, events, body, headers[protocol.H_NONCE], answer, result)
        if failure is None and time.monotonic() - started < GROW_SECONDS:
            self.batch = min(self.max_batch, self.batch * 2)
        return failure

    def _count(self, up: int, down: int) -> None:
        if self.meter is not None:
            with database.connection_context():
                self.meter.record(up=up, down=down)

    def _network(self, result: Outcome, code: str, detail: str) -> str:
        self.batch = max(MIN_BATCH, self.batch // 4)
        result.error, result.detail, result.status = code, detail, None
        return code

    def _answer(self, session, events, body, nonce, answer, result: Outcome) -> str | None:
        status = answer.status_code
        result.status = status
        signed = protocol.signature_ok(self.link.secret, protocol.response_message(nonce, status, answer.content),
                                       answer.headers.get(protocol.H_SIG, ""))
        data = _json(answer)
        if signed and "hub_time" in data:
            self.offset_ms = int(data["hub_time"]) - int(self.clock() * 1000)
        if signed and "content" in data:
            result.content = data["content"]
        if status == 200 and signed and isinstance(data.get("acked"), dict):
            return self._acknowledged(session, events, body, data, answer.headers[protocol.H_SIG], result)
        if status == 401 and signed and data.get("error") == "clock":
            result.error, result.detail = "clock", "the kiosk's clock is too far from the hub's"
            return "clock"
        result.retry_after = backoff.retry_after(answer.headers.get("Retry-After"), answer.headers.get("Date"))
        if status == 200:
            result.error, result.detail = "hub_error", "the hub's answer was not signed with this kiosk's secret"
        elif status in PERMANENT:
            result.error = PERMANENT[status]
            result.detail = f"the hub refused the batch ({status}): {data.get('message', answer.reason)}"
        elif status in (429, 503):
            result.error, result.detail = "busy", f"the hub is busy ({status})"
        else:
            result.error, result.detail = "hub_error", f"the hub answered {status}"
        return result.error

    def _acknowledged(self, session, events, body, data, signature, result: Outcome) -> str | None:
        with database.connection_context():
            marked = state.record_ack(session, events, len(body), data, signature, self.clock())
        result.sent += marked
        entries = data.get("set_aside")
        result.set_aside += len(entries) if isinstance(entries, list) else 0
        if marked == 0:
            result.error = "no_progress"
            result.detail = f"the hub acknowledged nothing new ({data['acked']}); it may be missing earlier events"
            return "no_progress"
        return None

    def _failed(self, result: Outcome) -> Outcome:
        with database.connection_context():
            state.record_error(result.error, result.detail, result.status, self.clock())
        return result


def _json(answer) -> dict:
    try:
        data = json.loads(answer.content)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
