"""The kiosk's two content requests to its hub, signed like uploads: the offer, and one file by Range.

Every byte that crosses the link is counted (bodies, and headers both ways) for the metered-link
budget. A file is fetched into a .part file that only grows; a cut leaves it as it was, and the next
request asks for `Range: bytes=<its length>-`, capped to what the budget still allows.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass

from sync.client.enrollment import TIMEOUTS, Link
from sync.client.meter import exchange_bytes, header_bytes
from sync.wire import protocol

CHUNK = 32 * 1024
UNANSWERED = 100                 # request line and Host of a request that got no answer


class FetchError(Exception):
    """The hub could not be asked or did not answer as it should; `code` is for the facilitator page."""

    def __init__(self, code: str, detail: str, status: int | None = None, wire: int = 0):
        super().__init__(detail)
        self.code, self.detail, self.status, self.wire = code, detail, status, wire


@dataclass
class Piece:
    """What one file request did."""

    wire: int = 0                # bytes that crossed the link, headers included
    body: int = 0                # bytes added to the .part file
    seconds: float = 0.0
    complete: bool = False


class Fetcher:
    def __init__(self, link: Link, http=None, timeouts=TIMEOUTS, clock=time.time):
        import requests  # only when talking to a hub

        self.link, self.timeouts, self.clock = link, timeouts, clock
        self.http = http or requests.Session()
        self.offset_ms = 0
        self._requests = requests

    def _get(self, path: str, extra: dict | None = None, query: dict | None = None):
        stamp = int(self.clock() * 1000) + self.offset_ms
        headers = protocol.request_headers(self.link.secret, self.link.kiosk_id, path, b"", stamp, method="GET")
        headers.update(extra or {})
        try:
            answer = self.http.get(self.link.hub_url + path, headers=headers, params=query, stream=True,
                                   timeout=self.timeouts)
        except self._requests.Timeout:
            raise FetchError("timeout", "the hub did not answer in time",
                             wire=header_bytes(headers) + UNANSWERED) from None
        except self._requests.RequestException as error:
            raise FetchError("unreachable", f"the hub could not be reached ({type(error).__name__})",
                             wire=header_bytes(headers) + UNANSWERED) from None
        hub_time = answer.headers.get(protocol.H_HUB_TIME, "")
        if re.fullmatch(r"[0-9]{1,16}", hub_time):       # not str.isdigit(): "²" would reach int()
            self.offset_ms = int(hub_time) - int(self.clock() * 1000)
        return answer, headers, sum(exchange_bytes(answer))

    def offer(self, have: str | None, installed: str | None = None) -> tuple[dict | None, int]:
        """The hub's offer (None: nothing newer than `have`, 'pack.vN'), and the bytes it cost.

        `installed` (the version served) is for the hub's Kiosks page."""
        query = {k: v for k, v in (("have", have), ("installed", installed)) if v}
        answer, headers, wire = self._get(protocol.CONTENT_PATH, query=query or None)
        try:
            body = b""
            for chunk in answer.iter_content(CHUNK):
                body += chunk
                if len(body) > protocol.MAX_BODY:
                    raise FetchError("hub_error", "the offer is too large", wire=wire + len(body))
        except (self._requests.RequestException, OSError) as error:
            raise FetchError("unreachable", f"the offer was cut ({type(error).__name__})",
                             wire=wire + len(body)) from None
        finally:
            answer.close()
        wire += len(body)
        if answer.status_code == 401:
            raise FetchError("unauthorized", "the hub does not know this kiosk's signature", 401)
        if answer.status_code != 200:
            raise FetchError("hub_error", f"the hub answered {answer.status_code}", answer.status_code)
        message = protocol.response_message(headers[protocol.H_NONCE], 200, body)
        if not protocol.signature_ok(self.link.secret, message, answer.headers.get(protocol.H_SIG, "")):
            raise FetchError("hub_error", "the offer was not signed with this kiosk's secret")
        try:
            return protocol.decode_offer(body), wire
        except protocol.Malformed as error:
            raise FetchError("hub_error", f"the offer cannot be read ({error})") from None

    def cards(self, since: str) -> tuple[dict | None, int]:
        """One page of the network's cards changed since cursor `since` (None: this hub has no
        roaming, it answered 404), and the bytes it cost (sync/client/roaming.py)."""
        answer, headers, wire = self._get(protocol.CARDS_PATH, query={"since": since})
        body = self._body(answer, "the cards")
        wire += len(body)
        if answer.status_code == 404:
            return None, wire
        if answer.status_code == 401:
            raise FetchError("unauthorized", "the hub does not know this kiosk's signature", 401, wire=wire)
        if answer.status_code != 200:
            raise FetchError("hub_error", f"the hub answered {answer.status_code}", answer.status_code, wire=wire)
        message = protocol.response_message(headers[protocol.H_NONCE], 200, body)
        if not protocol.signature_ok(self.link.secret, message, answer.headers.get(protocol.H_SIG, "")):
            raise FetchError("hub_error", "the cards were not signed with this kiosk's secret", wire=wire)
        try:
            return protocol.decode_cards(body), wire
        except protocol.Malformed as error:
            raise FetchError("hub_error", f"the cards cannot be read ({error})", wire=wire) from None

    def _body(self, answer, what: str) -> bytes:
        body = b""
        try:
            for chunk in answer.iter_content(CHUNK):
                body += chunk
                if len(body) > protocol.MAX_BODY:
                    raise FetchError("hub_error", f"{what}: too large", wire=len(body))
        except (self._requests.RequestException, OSError) as error:
            raise FetchError("unreachable", f"{what}: cut ({type(error).__name__})", wire=len(body)) from None
        finally:
            answer.close()
        return body

    def piece(self, name: str, part: str, expected: int, allowance: int | None, keep_going) -> Piece:
        """Append to `part` the next bytes of blob `name` (expected bytes in all), at most `allowance`.

        Stops early, keeping what arrived, when `keep_going()` turns false (a pause, the round's end).
        """
        have = os.path.getsize(part) if os.path.exists(part) else 0
        if have > expected:                     # cannot be ours: start again
            os.unlink(part)
            have = 0
        end = expected - 1 if allowance is None else min(expected - 1, have + max(allowance, 1) - 1)
        result, started = Piece(), time.monotonic()
        answer, _, result.wire = self._get(protocol.BLOBS_PATH + name, {"Range": f"bytes={have}-{end}"})
        try:
            try:
                mode = self._check_answer(answer, have, name)
            except FetchError as error:
                error.wire = result.wire
                raise
            if mode == "restart":
                have = 0
            with open(part, "ab" if have else "wb") as out:
                try:
                    for chunk in answer.iter_content(CHUNK):
                        out.write(chunk)
                        result.wire += len(chunk)
                        result.body += len(chunk)
                        if have + result.body > expected or not keep_going() or (
                                allowance is not None and result.body >= allowance):
                            break
                except (self._requests.RequestException, OSError) as error:
                    raise FetchError("unreachable", f"the download was cut ({type(error).__name__})",
                                     wire=result.wire) from None
                finally:
                    out.flush()
                    os.fsync(out.fileno())
        finally:
            answer.close()
            result.seconds = time.monotonic() - started
        result.complete = have + result.body == expected
        return result

    def _check_answer(self, answer, have: int, name: str) -> str:
        status = answer.status_code
        if status == 206:
            start = answer.headers.get("Content-Range", "").removeprefix("bytes ").split("-")[0]
            if start != str(have):
                raise FetchError("hub_error", f"the hub sent {name} from byte {start}, not {have}", status)
            return "append"
        if status == 200:
            return "restart"                    # the whole file: what was kept is written over
        if status == 416:
            raise FetchError("changed", f"{name} on the hub is shorter than expected", status)
        if status == 404:
            raise FetchError("missing", f"{name} is not on the hub", status)
        if status == 401:
            raise FetchError("unauthorized", "the hub does not know this kiosk's signature", status)
        raise FetchError("hub_error", f"the hub answered {status} for {name}", status)
