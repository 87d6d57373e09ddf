"""USB bundles: a kiosk's unacknowledged events on a stick, sealed to the hub, and the hub's signed receipt.

A bundle is a plain header anyone may read (format, kiosk id, hub key, time, event count: nothing
personal) and a body only the hub can open:

    RELAIS-BUNDLE 1\\n
    {"created": ms, "events": n, "hub": "<hub key fingerprint>", "kiosk": "<kiosk id>"}\\n
    <32-byte ephemeral X25519 public key><ChaCha20-Poly1305 ciphertext and tag>

The body is hybrid public-key encryption from the `cryptography` package's documented primitives, in
the shape of HPKE's base mode (RFC 9180): a fresh X25519 key per bundle, its shared secret with the
hub's key stretched by HKDF-SHA256 (info binds both public keys) into a ChaCha20-Poly1305 key; the
two header lines are the associated data, so a changed byte anywhere makes the bundle unreadable.
Inside: upload batches encoded exactly as `protocol.encode_batch` makes them, signed with the kiosk's
HMAC secret over the header and each batch's Content-Digest (docs/sync-protocol.md, "USB bundles").
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from . import protocol

# `cryptography` (8 MB in a kiosk) is imported by the functions that seal or open: a kiosk that only
# serves lessons, or lists the sticks it could write to, never loads it.

MAGIC, RECEIPT_MAGIC = b"RELAIS-BUNDLE 1\n", b"RELAIS-RECEIPT 1\n"
INFO = b"relais bundle v1"
NONCE = b"\x00" * 12          # one message per key: every bundle has a key of its own
BATCH = 500                   # events per batch inside a bundle, as an upload
MAX_HEADER = 1024
MAX_BUNDLE = 256 * 1024 * 1024
_FINGERPRINT = re.compile(r"^[0-9a-f]{16}$")


class BundleError(ValueError):
    """A bundle or receipt that cannot be used; the message says why, for a person."""


@dataclass
class Header:
    kiosk: str
    hub: str                  # fingerprint of the hub key the bundle is sealed to
    created: int              # milliseconds since 1970, the kiosk's clock
    events: int


# Keys.
def new_private_key() -> bytes:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey  # on first use (see above)

    return X25519PrivateKey.generate().private_bytes_raw()


def public_key(private: bytes) -> str:
    """The public half of a raw private key, as base64 text (what kiosks keep)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey  # on first use (see above)

    return base64.b64encode(X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()).decode()


def fingerprint(public: str) -> str:
    """16 hex digits naming a hub's bundle key (printed in every bundle's header)."""
    return hashlib.sha256(_public_bytes(public)).hexdigest()[:16]


def _public_bytes(public: str) -> bytes:
    try:
        raw = base64.b64decode(public, validate=True)
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != 32:
        raise BundleError("the hub's bundle key is not a base64 X25519 public key (32 bytes)")
    return raw


# Sealing and opening.
def seal(events: list[dict], kiosk_id: str, secret: str, hub_public: str, created_ms: int) -> bytes:
    """The bundle's bytes: `events` in upload batches, signed with the kiosk's secret, sealed to the hub."""
    header = _header_line(Header(kiosk_id, fingerprint(hub_public), created_ms, len(events)))
    batches = [protocol.encode_batch(events[i:i + BATCH], pending=max(0, len(events) - i - BATCH))
               for i in range(0, len(events), BATCH)]
    signature = protocol.sign(secret, _to_sign(header, batches))
    plain = b"".join([signature.encode(), b"\n", " ".join(str(len(b)) for b in batches).encode(), b"\n", *batches])
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey  # first use
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305  # on first use (see the imports)

    ephemeral = X25519PrivateKey.generate()
    key = _key(ephemeral.exchange(X25519PublicKey.from_public_bytes(_public_bytes(hub_public))),
               ephemeral.public_key().public_bytes_raw(), _public_bytes(hub_public))
    sealed = ChaCha20Poly1305(key).encrypt(NONCE, plain, MAGIC + header)
    return MAGIC + header + ephemeral.public_key().public_bytes_raw() + sealed


def read_header(data: bytes) -> tuple[Header, int]:
    """The plain header and where the sealed body starts; BundleError for anything else."""
    if not data.startswith(MAGIC):
        raise BundleError("this is not a Relais bundle" if len(data) >= len(MAGIC) or not MAGIC.startswith(data)
                          else "the file is cut short: it is not a whole bundle (was the stick pulled out?)")
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + MAX_HEADER)
    if end < 0:
        raise BundleError("the file is cut short or damaged: its header cannot be read")
    try:
        fields = json.loads(data[len(MAGIC):end])
        header = Header(str(fields["kiosk"]), str(fields["hub"]), int(fields["created"]), int(fields["events"]))
    except (ValueError, TypeError, KeyError):
        raise BundleError("the bundle's header is damaged") from None
    if not protocol.valid_uuid(header.kiosk) or not _FINGERPRINT.match(header.hub):
        raise BundleError("the bundle's header is damaged")
    return header, end + 1


def open_sealed(data: bytes, private: bytes, secret_for) -> tuple[Header, list[bytes]]:
    """Decrypt a bundle and check its kiosk's signature; the header and its upload batches, still gzip'd.

    `secret_for(header)` gives the kiosk's secret, or raises BundleError (an unknown kiosk). Every
    check runs before the caller applies anything."""
    if len(data) > MAX_BUNDLE:
        raise BundleError(f"the file is larger than a bundle can be ({MAX_BUNDLE // 1048576} MB)")
    header, start = read_header(data)
    ours = public_key(private)
    if header.hub != fingerprint(ours):
        raise BundleError(f"this bundle is for another hub (key {header.hub}; this hub's key is {fingerprint(ours)})")
    secret = secret_for(header)
    ephemeral, sealed = data[start:start + 32], data[start + 32:]
    if len(ephemeral) < 32 or len(sealed) < 16:
        raise BundleError("the file is cut short: it is not a whole bundle (was the stick pulled out?)")
    from cryptography.exceptions import InvalidTag  # on first use (see the imports above)
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey  # first use
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305  # on first use (see the imports)

    me = X25519PrivateKey.from_private_bytes(private)
    key = _key(me.exchange(X25519PublicKey.from_public_bytes(ephemeral)), ephemeral, _public_bytes(ours))
    try:
        plain = ChaCha20Poly1305(key).decrypt(NONCE, sealed, data[:start])
    except InvalidTag:
        raise BundleError("the bundle is damaged, cut short or was changed after it was written: "
                          "nothing was imported. Export it again on the kiosk.") from None
    try:
        signature, lengths, rest = plain.split(b"\n", 2)
        sizes = [int(n) for n in lengths.split()]
    except ValueError:
        raise BundleError("the bundle's content is damaged: nothing was imported") from None
    batches, at = [], 0
    for size in sizes:
        batches.append(rest[at:at + size])
        at += size
    if not protocol.signature_ok(secret, _to_sign(data[len(MAGIC):start], batches), signature.decode()):
        raise BundleError("the bundle is not signed by this kiosk's secret: nothing was imported")
    return header, batches


def _header_line(header: Header) -> bytes:
    return json.dumps({"kiosk": header.kiosk, "hub": header.hub, "created": header.created,
                       "events": header.events}, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def _to_sign(header_line: bytes, batches: list[bytes]) -> bytes:
    return b"\n".join([b"RELAIS-BUNDLE-HMAC", header_line.rstrip(b"\n")]
                      + [protocol.content_digest(b).encode() for b in batches])


def _key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes  # on first use (see the imports above)
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF  # on first use (see the imports above)

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO + ephemeral + recipient).derive(shared)


# Cards for one kiosk (hub → kiosk): names and PIN hashes, so sealed too, with a key only hub and kiosk hold.
CARDS_MAGIC = b"RELAIS-CARDS 1\n"


def seal_cards(body: bytes, kiosk_id: str, secret: str, created_ms: int, count: int) -> bytes:
    """`body` (protocol.encode_cards, as the online answer) sealed with a key derived from the kiosk secret."""
    header = json.dumps({"kiosk": kiosk_id, "created": created_ms, "cards": count}, sort_keys=True,
                        separators=(",", ":")).encode() + b"\n"
    nonce = os.urandom(12)
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305  # on first use (see the imports)

    return CARDS_MAGIC + header + nonce + ChaCha20Poly1305(_card_key(secret, kiosk_id)).encrypt(
        nonce, body, CARDS_MAGIC + header)


def open_cards(data: bytes, secret: str, kiosk_id: str) -> bytes:
    """The cards' body, once the file proves it was sealed for this kiosk and is whole."""
    if not data.startswith(CARDS_MAGIC):
        raise BundleError("this is not a file of learners' cards from a Relais hub")
    end = data.find(b"\n", len(CARDS_MAGIC), len(CARDS_MAGIC) + MAX_HEADER)
    damaged = BundleError("the cards' file is damaged, cut short or was changed: nothing was applied")
    try:
        for_kiosk = json.loads(data[len(CARDS_MAGIC):end])["kiosk"] if end > 0 else None
    except (ValueError, TypeError, KeyError):
        raise damaged from None
    if for_kiosk != kiosk_id:
        raise BundleError("these cards were written for another kiosk") if for_kiosk else damaged
    from cryptography.exceptions import InvalidTag  # on first use (see the imports above)
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305  # on first use (see the imports)

    try:
        return ChaCha20Poly1305(_card_key(secret, kiosk_id)).decrypt(data[end + 1:end + 13], data[end + 13:],
                                                                    data[:end + 1])
    except (ValueError, InvalidTag):
        raise damaged from None


def _card_key(secret: str, kiosk_id: str) -> bytes:
    from cryptography.hazmat.primitives import hashes  # on first use (see the imports above)
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF  # on first use (see the imports above)

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"relais cards v1 " + kiosk_id.encode()).derive(secret.encode())


# Receipts: what the hub acknowledged, signed with the kiosk's secret (ids, counts and reasons only).
def make_receipt(secret: str, kiosk_id: str, bundle_digest: str, ack: dict, ids: list[str]) -> bytes:
    """`ack` is the acknowledgement an upload gets ({"acked", "stored", "duplicates", "set_aside",
    "hub_time"}, plus "already"); `ids` the events of the bundle."""
    body = protocol.compact({"kiosk": kiosk_id, "bundle": bundle_digest, "ids": ids, **ack})
    return RECEIPT_MAGIC + body + b"\n" + protocol.sign(secret, RECEIPT_MAGIC + body).encode() + b"\n"


def read_receipt(data: bytes, secret: str, kiosk_id: str) -> tuple[dict, str]:
    """A receipt's acknowledgement and signature, once the signature is checked with this kiosk's secret."""
    if not data.startswith(RECEIPT_MAGIC):
        raise BundleError("this is not a Relais receipt")
    try:
        body, signature = data[len(RECEIPT_MAGIC):].rstrip(b"\n").rsplit(b"\n", 1)
    except ValueError:
        raise BundleError("the receipt is cut short or damaged") from None
    if not protocol.signature_ok(secret, RECEIPT_MAGIC + body, signature.decode("ascii", "replace")):
        raise BundleError("the receipt is not signed for this kiosk (damaged, changed, or for another kiosk)")
    receipt = json.loads(body)
    if receipt.get("kiosk") != kiosk_id:
        raise BundleError("the receipt is for another kiosk")
    return receipt, signature.decode()


# Files on a stick.
@contextlib.contextmanager
def atomic_file(path: Path):
    """A binary handle whose bytes appear at `path` whole or not at all: a temporary file beside it,
    fsync, rename, fsync the folder. A stick pulled out on the way leaves the old file (or none) and
    at most a hidden `.part` file, which no reader takes for a bundle."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def write_atomic(path: Path, data: bytes) -> None:
    with atomic_file(path) as handle:
        handle.write(data)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
