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

VERSION = 1
EVENTS_PATH = "/sync/v1/events"
ENROLL_PATH = "/sync/v1/enroll"
CONTENT_PATH = "/sync/v1/content"        # GET: the newest content pack published for this kiosk
BLOBS_PATH = "/sync/v1/blobs/"           # GET BLOBS_PATH + sha256 (+ ".gz"): one file, Range allowed
SCHEME = "RELAIS-HMAC-SHA256"
SKEW_MS = 5 * 60 * 1000                  # a request's timestamp may differ this much from the hub's clock
MAX_BODY = 4 * 1024 * 1024               # compressed bytes on the wire
MAX_DECOMPRESSED = 16 * 1024 * 1024      # after gunzip: a gzip bomb stops here
MAX_EVENTS = 5000
MAX_PAYLOAD = 8 * 1024                   # one event's payload, as compact JSON

EVENT_TYPES = frozenset({
    "learner.created", "learner.renamed", "learner.erased", "learner.prefs",
    "lesson.progressed", "lesson.completed", "quiz.attempted", "certificate.issued",
})

H_KIOSK, H_TIME, H_NONCE, H_SIG = "X-Relais-Kiosk", "X-Relais-Timestamp", "X-Relais-Nonce", "X-Relais-Signature"
H_HUB_TIME = "X-Relais-Hub-Time"

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_HLC = re.compile(r"^\d{15}-\d{6}$")
_NONCE = re.compile(r"^[0-9a-f]{32}$")


class Malformed(ValueError):
    """The batch cannot be read or breaks a rule (answered 400)."""


class TooLarge(ValueError):
    """The batch is bigger than the hub accepts (answered 413)."""


def compact(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


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
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Malformed(f"not gzip'd JSON: {error}") from None


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


def validate_events(events: list) -> list[str]:
    """Check each event's fields and that no id or sequence appears twice in the batch.

    Returns each payload as canonical JSON (sorted keys, compact), which the hub stores and digests.
    """
    seen_ids, seen_seqs, payloads = set(), set(), []
    for index, event in enumerate(events):
        problem = _event_problem(event)
        if not problem:
            payloads.append(payload_json(event["payload"]))
            if len(payloads[-1]) > MAX_PAYLOAD:
                problem = f"payload must be at most {MAX_PAYLOAD} bytes"
        if problem:
            raise Malformed(f"event {index}: {problem}")
        if event["id"] in seen_ids or (event["epoch"], event["seq"]) in seen_seqs:
            raise Malformed(f"event {index}: its id or sequence appears twice in the batch")
        seen_ids.add(event["id"])
        seen_seqs.add((event["epoch"], event["seq"]))
    return payloads


def _event_problem(event) -> str | None:
    if not isinstance(event, dict) or set(event) != {"id", "epoch", "seq", "learner", "hlc", "type", "payload"}:
        return "expected exactly id, epoch, seq, learner, hlc, type, payload"
    if not isinstance(event["id"], str) or not _UUID.match(event["id"]):
        return "id is not a lowercase UUID"
    if not _is_int(event["epoch"]) or not 1 <= event["epoch"] < 2**31:
        return "epoch must be a positive integer"
    if not _is_int(event["seq"]) or not 1 <= event["seq"] < 2**53:
        return "seq must be a positive integer"
    if event["learner"] is not None and (not isinstance(event["learner"], str) or not _UUID.match(event["learner"])):
        return "learner is not a UUID"
    if not isinstance(event["hlc"], str) or not _HLC.match(event["hlc"]):
        return "hlc is not WWWWWWWWWWWWWWW-CCCCCC"
    if event["type"] not in EVENT_TYPES:
        return f"unknown type {event['type']!r}"
    if not isinstance(event["payload"], dict):
        return "payload must be an object"
    return None


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def payload_json(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def event_digest(event: dict, payload: str | None = None) -> str:
    """What "the same event" means: SHA-256 over every field, the payload as canonical JSON."""
    fields = [event["id"], str(event["epoch"]), str(event["seq"]), event["learner"] or "", event["hlc"],
              event["type"], payload if payload is not None else payload_json(event["payload"])]
    return hashlib.sha256("\n".join(fields).encode()).hexdigest()


def content_digest(body: bytes) -> str:
    """RFC 9530 Content-Digest of the bytes on the wire."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def string_to_sign(method: str, path: str, digest: str, kiosk_id: str, timestamp_ms: int, nonce: str) -> bytes:
    return "\n".join([SCHEME, method.upper(), path, digest, kiosk_id, str(timestamp_ms), nonce]).encode()


def sign(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_ok(secret: str, message: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, message), signature or "")


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


def valid_nonce(nonce: str) -> bool:
    return bool(nonce) and bool(_NONCE.match(nonce))


def valid_uuid(value: str) -> bool:
    return bool(value) and bool(_UUID.match(value))
