"""Ed25519 keys for packs: make a key pair, trust a publisher's public key, sign and verify manifests.

A kiosk trusts the public keys in DATA_DIR/trusted-keys/ (one PEM file each, named by fingerprint).
A key gets there only through `python run.py pack trust PUBKEY`, run by someone at the kiosk: a web
form that added keys would let a stolen facilitator password install anything.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import PackError, _l

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
# `cryptography` (8 MB in a kiosk) is imported by the functions that sign or read keys: a kiosk serving
# lessons never loads it.

TRUSTED = "trusted-keys"
PRIVATE_NAME, PUBLIC_NAME = "relais-pack.key", "relais-pack.pub"


def fingerprint(key: Ed25519PublicKey) -> str:
    """A short name for a public key, to read aloud over the phone: 16 hex digits of its SHA-256."""
    raw = key.public_bytes_raw()
    return hashlib.sha256(raw).hexdigest()[:16]


def _public_pem(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization  # on first use (see the imports above)

    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def keygen(out_dir: Path) -> tuple[Path, Path, str]:
    """Write a new private key (readable by its owner only) and its public key; never overwrite."""
    out_dir.mkdir(parents=True, exist_ok=True)
    private_path, public_path = out_dir / PRIVATE_NAME, out_dir / PUBLIC_NAME
    if private_path.exists() or public_path.exists():
        raise PackError(_l("%(path)s already exists; keep that key or choose another folder with --out."),
                        path=private_path if private_path.exists() else public_path)
    from cryptography.hazmat.primitives import serialization  # on first use (see the imports above)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # on first use

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public_path.write_bytes(_public_pem(key.public_key()))
    return private_path, public_path, fingerprint(key.public_key())


def own_key(folder: Path) -> Ed25519PrivateKey:
    """The private key kept in `folder`, made there the first time (a kiosk's or a hub's badge key)."""
    if not (folder / PRIVATE_NAME).exists():
        try:
            keygen(folder)
        except PackError:               # made at the same moment by another request or process: use that one
            pass
    return load_private(folder / PRIVATE_NAME)


def load_private(path: Path) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization  # on first use (see the imports above)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # on first use

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise PackError(_l("cannot read the private key %(path)s (%(error)s)."), path=path, error=error) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise PackError(_l("%(path)s is not an Ed25519 key; make one with 'pack keygen'."), path=path)
    return key


def load_public(data: bytes, origin: str) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives import serialization  # on first use (see the imports above)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # on first use

    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as error:
        raise PackError(_l("cannot read the public key %(path)s (%(error)s)."), path=origin, error=error) from None
    if not isinstance(key, Ed25519PublicKey):
        raise PackError(_l("%(path)s is not an Ed25519 public key."), path=origin)
    return key


def trust(public_path: Path, data_dir: Path) -> str:
    """Add a publisher's public key to this kiosk's trusted keys; returns its fingerprint."""
    try:
        key = load_public(public_path.read_bytes(), str(public_path))
    except OSError as error:
        raise PackError(_l("cannot read %(path)s (%(error)s)."), path=public_path, error=error) from None
    folder = data_dir / TRUSTED
    folder.mkdir(parents=True, exist_ok=True)
    name = fingerprint(key)
    (folder / f"{name}.pub").write_bytes(_public_pem(key))
    return name


def trusted_keys(data_dir: Path) -> dict[str, Ed25519PublicKey]:
    """The public keys this kiosk trusts, by fingerprint; unreadable files are skipped."""
    keys = {}
    folder = data_dir / TRUSTED
    for path in sorted(folder.glob("*.pub")) if folder.is_dir() else []:
        try:
            key = load_public(path.read_bytes(), str(path))
        except (OSError, PackError):
            continue
        keys[fingerprint(key)] = key
    return keys


def sign(manifest_bytes: bytes, key: Ed25519PrivateKey) -> bytes:
    """The manifest.sig file: which key signed, and the signature over the exact manifest bytes."""
    signature = base64.b64encode(key.sign(manifest_bytes)).decode()
    return json.dumps({"algorithm": "ed25519", "key": fingerprint(key.public_key()),
                       "signature": signature}, indent=1).encode() + b"\n"


UNTRUSTED_BY_KIOSK = _l("this pack was signed with key %(key)s, which this kiosk does not trust. If you trust "
                        "its publisher, ask them for their public key and run 'python run.py pack trust "
                        "KEYFILE' on the kiosk.")


def verify(manifest_bytes: bytes, sig_bytes: bytes, data_dir: Path, untrusted: str = UNTRUSTED_BY_KIOSK) -> str:
    """The fingerprint of the trusted key that signed these manifest bytes, or PackError.

    `untrusted` is the message for a key not in data_dir's trusted keys (the hub gives its own advice).
    """
    try:
        sig = json.loads(sig_bytes.decode())
        name, signature = str(sig["key"]), base64.b64decode(sig["signature"], validate=True)
    except (ValueError, TypeError, KeyError):
        raise PackError(_l("the pack's signature file cannot be read; the pack may be damaged.")) from None
    key = trusted_keys(data_dir).get(name)
    if key is None:
        raise PackError(untrusted, key=name)
    from cryptography.exceptions import InvalidSignature  # on first use (see the imports above)

    try:
        key.verify(signature, manifest_bytes)
    except InvalidSignature:
        raise PackError(_l("the pack's signature does not match its manifest: the pack was changed after it "
                           "was signed, or damaged on the way. Do not use it; ask for a new copy.")) from None
    return name
