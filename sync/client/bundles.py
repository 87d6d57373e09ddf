"""USB bundles on the kiosk: write what the hub has not acknowledged to a stick, and take the hub's receipt back.

The events go out exactly as an upload sends them (outbox.to_wire, in upload batches) and come back
acknowledged exactly as an upload's answer is recorded (state.record_ack): after a receipt the next
online sync does not send them again, and if it ever did the hub would count them as duplicates.
"""
from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass
from pathlib import Path

from sync.wire import bundle, protocol
from sync.wire.bundle import BundleError

from . import enrollment, outbox, roaming, state
from .enrollment import Link
from .outbox import OutboxEvent

SUFFIX, RECEIPT_SUFFIX = ".relais", ".receipt"
ALL = 10**9                   # every waiting event: a bundle is not limited to one upload's batch


@dataclass
class Exported:
    path: Path
    events: int
    bytes: int


@dataclass
class Received:
    marked: int               # events newly marked acknowledged
    events: int               # events the receipt lists
    set_aside: int
    already: bool             # the hub had them all before this bundle


def link_for_bundles(data_dir: Path, hub_key: str | None = None) -> Link:
    """The enrolment bundles need (kiosk id, secret, the hub's key); `hub_key` teaches the key to a kiosk
    enrolled before bundles existed (`relais hub bundle-key` prints it)."""
    link = enrollment.load(data_dir)
    if link is None:
        raise BundleError("this kiosk is not enrolled with a hub yet: enrol it once (it needs the hub's address "
                          "and a code), then progress can travel by USB stick")
    if hub_key:
        bundle.fingerprint(hub_key.strip())         # refuses a key that is not one
        link = dataclasses.replace(link, bundle_key=hub_key.strip())
        enrollment.save(data_dir, link)
    if not link.bundle_key:
        raise BundleError("this kiosk does not know the hub's bundle key (it was enrolled before USB bundles): "
                          "ask the hub's administrator for it ('relais hub bundle-key') and give it with --hub-key")
    return link


def export(data_dir: Path, path: Path, hub_key: str | None = None, clock=time.time) -> Exported:
    """Seal every waiting event to the hub and write the bundle to `path` atomically (database open)."""
    link = link_for_bundles(Path(data_dir), hub_key)
    events = [outbox.to_wire(e) for e in outbox.pending(ALL)]
    if not events:
        raise BundleError("nothing is waiting to be sent: the hub has every record of this kiosk")
    data = bundle.seal(events, link.kiosk_id, link.secret, link.bundle_key, int(clock() * 1000))
    bundle.write_atomic(Path(path), data)
    return Exported(Path(path), len(events), len(data))


def _enrolled_and_read(data_dir: Path, path: Path, purpose: str):
    """The kiosk's link to its hub and the file's bytes, or BundleError saying which is missing."""
    link = enrollment.load(Path(data_dir))
    if link is None:
        raise BundleError(f"this kiosk is not enrolled with a hub: it cannot {purpose}")
    try:
        return link, Path(path).read_bytes()
    except OSError as error:
        raise BundleError(f"cannot read {path} ({error.strerror or error})") from None


def apply_receipt(data_dir: Path, path: Path, clock=time.time) -> Received:
    """Mark the events a signed receipt acknowledges as sent, as an upload's acknowledgement does (database open)."""
    link, data = _enrolled_and_read(data_dir, path, "check a receipt")
    receipt, signature = bundle.read_receipt(data, link.secret, link.kiosk_id)
    now = clock()
    ids = receipt.get("ids") or []
    events = [outbox.to_wire(e) for e in OutboxEvent.select().where(OutboxEvent.uuid.in_(ids))
              .order_by(OutboxEvent.epoch, OutboxEvent.seq)] if ids else []
    marked = state.record_ack(now, events, 0, receipt, signature, now) if events else 0
    return Received(marked, len(ids), len(receipt.get("set_aside") or []), bool(receipt.get("already")))


def import_cards(data_dir: Path, path: Path, apply_page, clock=time.time) -> int:
    """Apply a hub's sealed cards for this kiosk with the kiosk's `apply_page` (as an online page of cards);
    the roaming cursor never moves back (database open). Returns the cards applied."""
    link, data = _enrolled_and_read(data_dir, path, "open cards sealed for it")
    try:
        page = protocol.decode_cards(bundle.open_cards(data, link.secret, link.kiosk_id))
    except protocol.Malformed as error:
        raise BundleError(f"the cards cannot be read ({error})") from None
    mine = roaming.current().cursor
    cursor = max(mine, page["cursor"], key=_cursor_order)
    apply_page(page["cards"], cursor, 0, clock())
    return len(page["cards"])


def _cursor_order(cursor: str) -> tuple[int, str]:
    seq, _, uuid = cursor.partition(":")
    return int(seq), uuid


def sticks(roots) -> list[Path]:
    """Writable USB sticks mounted under `roots` (/media/STICK, /media/USER/STICK, /run/media/USER/STICK).

    Only mount points: an empty /media/usb0 folder is the kiosk's own SD card, not a stick."""
    found = []
    for root in roots:
        root = Path(root)
        for candidate in sorted([*root.glob("*"), *root.glob("*/*")]) if root.is_dir() else []:
            try:
                if candidate.is_dir() and os.path.ismount(candidate) and os.access(candidate, os.W_OK):
                    found.append(candidate)
            except OSError:
                continue
    return found


def on_stick(folder: Path, suffix: str) -> list[Path]:
    """Bundles or receipts at the top of a stick (never a half-written `.part` file)."""
    return sorted(p for p in Path(folder).glob(f"*{suffix}") if p.is_file() and not p.name.startswith("."))


def bundle_name(kiosk_id: str, clock=time.time) -> str:
    return f"relais-{kiosk_id[:8]}-{time.strftime('%Y%m%d-%H%M', time.localtime(clock()))}{SUFFIX}"
