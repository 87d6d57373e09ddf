"""The wire format shared by kiosk and hub: batch encoding, Content-Digest and HMAC signatures.

Knows nothing of Flask, peewee or HTTP clients, so both sides (and the tests) use the same rules.
docs/sync-protocol.md describes every field; change both together.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import re
import uuid
import zlib
from dataclasses import dataclass

from . import checks

VERSION = 1
EVENTS_PATH = "/sync/v1/events"
ENROLL_PATH = "/sync/v1/enroll"
CONTENT_PATH = "/sync/v1/content"        # GET: the newest content pack published for this kiosk
BLOBS_PATH = "/sync/v1/blobs/"           # GET BLOBS_PATH + sha256 (+ ".gz"): one file, Range allowed
CARDS_PATH = "/sync/v1/cards"            # GET ?since=CURSOR: the network's learner cards changed since then
CARDS_PAGE = 100                         # cards per answer at most
SCHEME = "RELAIS-HMAC-SHA256"
SKEW_MS = 5 * 60 * 1000                  # a request's timestamp may differ this much from the hub's clock
MAX_BODY = 4 * 1024 * 1024               # compressed bytes on the wire
MAX_DECOMPRESSED = 16 * 1024 * 1024      # after gunzip: a gzip bomb stops here
MAX_EVENTS = 5000
MAX_PAYLOAD = checks.MAX_PAYLOAD         # one event's payload: bytes of UTF-8 canonical JSON

EVENT_TYPES = frozenset({
    "learner.created", "learner.renamed", "learner.erased", "learner.prefs",
    "lesson.progressed", "lesson.completed", "quiz.attempted", "certificate.issued",
    "learner.pin", "learner.roaming",        # a card's PIN hash; "on this kiosk only" (docs §13)
})
FIELDS = frozenset({"id", "epoch", "seq", "learner", "hlc", "type", "payload"})
# Why an event is set aside, besides the payload rules of checks.py (too_large, bad_text, too_deep,
# bad_number, bad_value); the kiosk words each code for its facilitator.
BAD_FIELDS, BAD_LEARNER, BAD_HLC, UNKNOWN_TYPE = "bad_fields", "bad_learner", "bad_hlc", "unknown_type"

H_KIOSK, H_TIME, H_NONCE, H_SIG = "X-Relais-Kiosk", "X-Relais-Timestamp", "X-Relais-Nonce", "X-Relais-Signature"
H_HUB_TIME = "X-Relais-Hub-Time"

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_HLC = re.compile(r"[0-9]{15}-[0-9]{6}")      # ASCII digits: the hub compares clocks as text
_NONCE = re.compile(r"^[0-9a-f]{32}$")
_LONG_NUMBER = re.compile("[0-9]{16}")                  # a number that may be beyond ±2**53


class Malformed(ValueError):
    """The batch cannot be read or breaks a rule (answered 400)."""


class TooLarge(ValueError):
    """The batch is bigger than the hub accepts (answered 413)."""


def compact(value) -> bytes:
    """Compact JSON as UTF-8; a lone surrogate (text a bug let through) is written as its \\uXXXX escape,
    so the batch still travels and the hub sets that one event aside."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode(
        "utf-8", "backslashreplace")


def encode_batch(events: list[dict], pending: int = 0) -> bytes:
    """A batch as gzip'd JSON; level 6 because a Pi's CPU matters more than the last 2 %."""
    return gzip.compress(compact({"v": VERSION, "pending": pending, "events": events}), 6, mtime=0)


def gunzip_json(body: bytes, limit: int = MAX_DECOMPRESSED):
    """Gunzip and parse JSON, refusing to inflate past `limit` bytes (TooLarge) or a bad stream (Malformed)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        raw = inflater.decompress(body, limit + 1)
        if len(raw) > limit or inflater.unconsumed_tail:
            raise TooLarge(f"the body inflates past {limit} bytes")
        raw += inflater.flush()
        if not inflater.eof:
            raise Malformed("the gzip stream is truncated")
        return json.loads(raw)
    except (TooLarge, Malformed):
        raise
    except (zlib.error, ValueError, RecursionError) as error:     # ValueError: bad UTF-8, JSON, a 5000-digit number
        raise Malformed(f"not gzip'd JSON: {str(error)[:200]}") from None


def decode_batch(body: bytes, limit: int = MAX_DECOMPRESSED) -> dict:
    """Gunzip and parse a batch, refusing to inflate past `limit` bytes."""
    batch = gunzip_json(body, limit)
    if not isinstance(batch, dict) or batch.get("v") != VERSION or not isinstance(batch.get("events"), list):
        raise Malformed("expected {\"v\": 1, \"events\": [...]}")
    if len(batch["events"]) > MAX_EVENTS:
        raise TooLarge(f"more than {MAX_EVENTS} events in one batch")
    pending = batch.get("pending", 0)
    if not _is_int(pending) or not 0 <= pending < 2**53:
        raise Malformed("pending must be a count")
    return batch


@dataclass
class Checked:
    """One event of a batch after the per-event rules: `payload` (canonical JSON) when it may be stored,
    else the `problem` that sets it aside."""

    event: dict
    payload: str | None = None
    problem: checks.Problem | None = None


def check_events(events: list) -> list[Checked]:
    """Check every event of a batch, in order (docs/sync-protocol.md §5).

    Raises Malformed for what spoils the batch itself: an event that is not an object, without a usable
    id, epoch or seq, or an id or (epoch, seq) twice. An event whose place is sound but whose other
    fields or payload break a rule comes back with its problem, to be set aside by the hub.
    """
    seen_ids, seen_seqs, checked = set(), set(), []
    for index, event in enumerate(events):
        place = _place_problem(event)
        if place:
            raise Malformed(f"event {index}: {place}")
        if event["id"] in seen_ids or (event["epoch"], event["seq"]) in seen_seqs:
            raise Malformed(f"event {index}: its id or sequence appears twice in the batch")
        seen_ids.add(event["id"])
        seen_seqs.add((event["epoch"], event["seq"]))
        problem = _fields_problem(event)
        payload, problem = (None, problem) if problem else _payload(event["payload"])
        checked.append(Checked(event, payload, problem))
    return checked


def validate_events(events: list) -> list[str]:
    """Each payload as canonical JSON, or Malformed at the first event that breaks any rule."""
    payloads = []
    for index, item in enumerate(check_events(events)):
        if item.problem:
            raise Malformed(f"event {index}: {item.problem.detail}")
        payloads.append(item.payload)
    return payloads


def _place_problem(event) -> str | None:
    """Why an event has no place in its kiosk's sequence (the batch cannot be taken), or None."""
    if not isinstance(event, dict):
        return "expected an object"
    if not isinstance(event.get("id"), str) or not _UUID.fullmatch(event["id"]):
        return "id is not a lowercase UUID"
    if not _is_int(event.get("epoch")) or not 1 <= event["epoch"] < 2**31:
        return "epoch must be a positive integer"
    if not _is_int(event.get("seq")) or not 1 <= event["seq"] < 2**53:
        return "seq must be a positive integer"
    return None


def event_problem(event: dict) -> checks.Problem | None:
    """Why an event with a sound place cannot be stored as it is (reason code and detail), or None."""
    return _fields_problem(event) or _payload(event["payload"])[1]


def _fields_problem(event: dict) -> checks.Problem | None:
    if set(event) != FIELDS:
        found = ", ".join(sorted(_printable(k) for k in event))
        return checks.Problem(BAD_FIELDS, f"expected exactly {', '.join(sorted(FIELDS))}; found {found}"[:300])
    learner, clock, kind = event["learner"], event["hlc"], event["type"]
    learner_ok = learner is None or valid_uuid(learner)
    clock_ok = isinstance(clock, str) and bool(_HLC.fullmatch(clock))
    kind_ok = isinstance(kind, str) and kind in EVENT_TYPES
    if learner_ok and clock_ok and kind_ok:            # the usual case: well-formed text has no control character
        return None
    for name in ("learner", "hlc", "type"):
        problem = checks.text_problem(event[name], name) if isinstance(event[name], str) else None
        if problem:
            return problem
    if not learner_ok:
        return checks.Problem(BAD_LEARNER, "learner is not a lowercase UUID")
    if not clock_ok:
        return checks.Problem(BAD_HLC, "hlc is not WWWWWWWWWWWWWWW-CCCCCC")
    return checks.Problem(UNKNOWN_TYPE, f"unknown type {_printable(kind)}")


def _payload(payload) -> tuple[str | None, checks.Problem | None]:
    """(canonical JSON, None) for a payload the hub may store, else (None, why not): checks.payload_problem,
    written once, with a quick way through for the usual payload decoded from JSON.

    Canonical JSON escapes every control character, so text without a backslash holds none; a lone
    surrogate makes its UTF-8 encoding fail; an integer beyond ±2**53 has 16 digits or more; nesting is
    at most the number of brackets. Whatever might break a rule goes through the full walk of checks.py.
    """
    try:
        text = checks.canonical(payload) if isinstance(payload, dict) else None
        size = len(text.encode("utf-8")) if text is not None else 0
    except (ValueError, TypeError, RecursionError):      # NaN or infinity, a lone surrogate, too deep
        text = None
    if text is None or "\\" in text or _LONG_NUMBER.search(text) \
            or text.count("{") + text.count("[") > checks.MAX_DEPTH:
        problem = checks.payload_problem(payload)
        if problem:
            return None, problem
        text = checks.canonical(payload)
        size = len(text.encode("utf-8"))
    if size > checks.MAX_PAYLOAD:
        return None, checks.size_problem(text)
    return text, None


def _printable(value, limit: int = 80) -> str:
    """A value shown in a detail: quoted, control characters and surrogates escaped, cut short."""
    return repr(value if isinstance(value, str) else type(value).__name__)[:limit]


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def payload_json(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def event_digest(event: dict, payload: str | None = None) -> str:
    """What "the same event" means: SHA-256 over every field, the payload as canonical JSON."""
    fields = [event["id"], str(event["epoch"]), str(event["seq"]), event["learner"] or "", event["hlc"],
              event["type"], payload if payload is not None else payload_json(event["payload"])]
    # surrogatepass: an event with a lone surrogate (set aside) still has a digest to compare a resend with
    return hashlib.sha256("\n".join(fields).encode("utf-8", "surrogatepass")).hexdigest()


def content_digest(body: bytes) -> str:
    """RFC 9530 Content-Digest of the bytes on the wire."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def string_to_sign(method: str, path: str, digest: str, kiosk_id: str, timestamp_ms: int, nonce: str) -> bytes:
    return "\n".join([SCHEME, method.upper(), path, digest, kiosk_id, str(timestamp_ms), nonce]).encode()


def sign(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_ok(secret: str, message: bytes, signature: str) -> bool:
    """Compared as bytes: a signature header that is not ASCII is simply wrong, never an error."""
    given = (signature or "").encode("utf-8", "surrogateescape") if isinstance(signature, str) else b""
    return hmac.compare_digest(sign(secret, message).encode(), given)


def response_message(nonce: str, status: int, body: bytes) -> bytes:
    """What the hub signs in its answer, so a proxy cannot forge an acknowledgement."""
    return "\n".join([SCHEME, "RESPONSE", nonce, str(status), content_digest(body)]).encode()


def request_headers(secret: str, kiosk_id: str, path: str, body: bytes, timestamp_ms: int,
                    nonce: str | None = None, method: str = "POST") -> dict:
    """Every header of a signed request: an upload (POST), or a download (GET, empty body)."""
    nonce = nonce or uuid.uuid4().hex
    digest = content_digest(body)
    signature = sign(secret, string_to_sign(method, path, digest, kiosk_id, timestamp_ms, nonce))
    headers = {"Content-Digest": digest, H_KIOSK: kiosk_id, H_TIME: str(timestamp_ms), H_NONCE: nonce,
               H_SIG: signature}
    if method == "POST":
        headers.update({"Content-Type": "application/json", "Content-Encoding": "gzip"})
    return headers


def encode_offer(offer: dict | None) -> bytes:
    """The hub's answer to CONTENT_PATH, gzip'd like a batch (a manifest of 1,000 files is ~150 KB raw)."""
    return gzip.compress(compact({"v": VERSION, "offer": offer}), 9, mtime=0)


def decode_offer(body: bytes, limit: int = MAX_DECOMPRESSED) -> dict | None:
    """The offer the hub sent, or None; Malformed when it cannot be read."""
    try:
        data = gunzip_json(body, limit)
    except TooLarge as error:
        raise Malformed(str(error)) from None
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise Malformed("expected {\"v\": 1, \"offer\": …}")
    offer = data.get("offer")
    if offer is None:
        return None
    if not isinstance(offer, dict) or not all(isinstance(offer.get(k), str) for k in ("manifest", "signature")) \
            or not isinstance(offer.get("gzip"), list):
        raise Malformed("an offer needs manifest, signature and gzip")
    return offer


def encode_cards(cards: list[dict], cursor: str, more: bool) -> bytes:
    """The hub's answer to CARDS_PATH: one page of cards and the cursor to ask from next (docs §13)."""
    return gzip.compress(compact({"v": VERSION, "cards": cards, "cursor": cursor, "more": more}), 6, mtime=0)


def decode_cards(body: bytes, limit: int = MAX_DECOMPRESSED) -> dict:
    """A page of cards as sent by the hub; Malformed when it cannot be read."""
    try:
        data = gunzip_json(body, limit)
    except TooLarge as error:
        raise Malformed(str(error)) from None
    if not isinstance(data, dict) or data.get("v") != VERSION or not isinstance(data.get("cards"), list) \
            or not isinstance(data.get("cursor"), str) or not valid_cursor(data["cursor"]):
        raise Malformed("expected {\"v\": 1, \"cards\": […], \"cursor\": …}")
    for card in data["cards"]:
        if not isinstance(card, dict) or not valid_uuid(card.get("uuid")):
            raise Malformed("a card needs a uuid")
    return data


_CURSOR = re.compile(r"^[0-9]{1,18}(:[0-9a-f-]{36})?$")


def valid_cursor(cursor: str) -> bool:
    """A cursor is the hub's change sequence, with the last card's uuid when a page ended inside one."""
    return isinstance(cursor, str) and bool(_CURSOR.fullmatch(cursor))


def valid_nonce(nonce: str) -> bool:
    return isinstance(nonce, str) and bool(_NONCE.fullmatch(nonce))


def valid_uuid(value: str) -> bool:
    return isinstance(value, str) and bool(_UUID.fullmatch(value))
