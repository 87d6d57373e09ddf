"""USB bundles on the hub: its bundle key, importing a kiosk's bundle exactly once, and the signed receipt.

An import goes through the same ingest as an online upload (ingest.ingest, batch by batch, every
batch inside one transaction): the events' ids decide what is new, the per-event rules and set-aside
are the same, so a bundle imported twice, or after the same events came online, changes nothing.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import peewee

from sync.wire import bundle, protocol

from . import certificates, ingest
from .db import database, is_postgres
from .models import Kiosk

KEY_FILE = "bundle-key.x25519"         # raw private key, in the hub's data folder, mode 600
log = logging.getLogger("relais.hub")


class Refused(Exception):
    """A bundle the hub did not import; nothing changed. The message is for a person."""


@dataclass
class Imported:
    kiosk: Kiosk
    events: int
    stored: int
    duplicates: int
    set_aside: int             # events of the bundle the hub keeps aside (now or before)
    already: bool              # nothing new: the bundle (or these events online) came before
    receipt: bytes
    bundle_digest: str         # SHA-256 of the bundle's bytes, named in its receipt


def private_key(data_dir: Path) -> bytes:
    """The hub's bundle key, made on first use; never overwritten (O_EXCL), readable by the hub's user only."""
    path = Path(data_dir) / KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = bundle.new_private_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:            # another hub process made it first
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    return key


def public_key(data_dir: Path) -> str:
    """What a kiosk needs to seal bundles to this hub (base64 X25519), given at enrolment."""
    return bundle.public_key(private_key(data_dir))


def public_key_or_none(data_dir: Path) -> str | None:
    """The public key for an enrolment answer; None (and a warning) when the data folder cannot hold the key,
    so a hub with a read-only folder still enrols kiosks (they then cannot use sticks until it is fixed)."""
    try:
        return public_key(data_dir)
    except OSError as error:
        log.warning("no bundle key in %s (%s): enrolled kiosks cannot send USB bundles", data_dir, error)
        return None


def import_bundle(data: bytes, data_dir: Path, now: float | None = None, allowed=None) -> Imported:
    """Check everything, then take the bundle's events as an upload would; Refused says why not.

    `allowed(kiosk)` (the importing facilitator's scope) is asked before anything is decrypted."""
    now = now or time.time()
    found: dict[str, Kiosk] = {}

    def secret_for(header: bundle.Header) -> str:
        kiosk = Kiosk.get_or_none(Kiosk.id == header.kiosk)
        if kiosk is None:
            raise bundle.BundleError(f"kiosk {header.kiosk} is not enrolled with this hub: the bundle comes from "
                                     "a kiosk this hub does not know (another hub's, or one removed)")
        if allowed is not None and not allowed(kiosk):
            raise bundle.BundleError("the bundle comes from a kiosk outside the centres you look after")
        found["kiosk"] = kiosk
        return kiosk.secret

    try:
        _, sealed = bundle.open_sealed(data, private_key(data_dir), secret_for)
        batches = [protocol.decode_batch(body) for body in sealed]
    except bundle.BundleError as error:
        raise Refused(str(error)) from None
    except (protocol.Malformed, protocol.TooLarge) as error:
        raise Refused(f"the bundle holds a batch the hub cannot read ({error})") from None
    kiosk = found["kiosk"]
    with certificates.countersigning(data_dir):
        acks = _ingest_all(kiosk, batches, now)
    events = [e for b in batches for e in b["events"]]
    ack = {"acked": _merged_acked(acks), "stored": sum(a.stored for a in acks),
           "duplicates": sum(a.duplicates for a in acks), "set_aside": [s for a in acks for s in a.set_aside],
           "hub_time": int(time.time() * 1000)}
    ack["already"] = ack["duplicates"] == len(events)
    digest = bundle.digest(data)
    receipt = bundle.make_receipt(kiosk.secret, kiosk.id, digest, ack, [e["id"] for e in events])
    return Imported(kiosk, len(events), ack["stored"], ack["duplicates"], len(ack["set_aside"]), ack["already"],
                    receipt, digest)


def _ingest_all(kiosk: Kiosk, batches: list[dict], now: float) -> list[ingest.Ack]:
    """Every batch in one transaction: a refusal of one leaves the hub as it was."""
    lock = {} if is_postgres() else {"lock_type": "IMMEDIATE"}
    try:
        with database.atomic(**lock):
            return [ingest.ingest(kiosk, batch, now) for batch in batches]
    except ingest.Conflict as error:
        raise Refused(f"the hub already holds other records with the same numbers ({error}); nothing was "
                      "imported. Contact your support person.") from None
    except ingest.Busy:
        raise Refused("the hub is busy with this kiosk's records; try the import again in a moment") from None
    except peewee.OperationalError:
        raise Refused("the hub's database is busy; try the import again in a moment") from None


def _merged_acked(acks: list[ingest.Ack]) -> dict[str, int]:
    acked: dict[str, int] = {}
    for ack in acks:
        for epoch, seq in ack.acked.items():
            acked[str(epoch)] = max(seq, acked.get(str(epoch), 0))
    return acked


def receipt_name(bundle_path: Path) -> Path:
    """Where the receipt goes: beside the bundle, on the same stick."""
    return Path(bundle_path).with_name(Path(bundle_path).stem + ".receipt")
