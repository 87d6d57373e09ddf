"""Hub → kiosk by USB stick: the course pack published for one kiosk, written as the signed pack it was.

The zip holds the publication's manifest and signature byte for byte and its files from the blob
folder, so the kiosk imports it as any content pack (`relais pack import`, or the Content packs page
from the stick): the same signature checks and the same atomic switch as an update over the link.
The learners' cards of the kiosk's network (hub → kiosk roaming, cards.py) go beside it, sealed with a
key derived from the kiosk's secret (bundle.seal_cards), as the same pages the online answer carries.
"""
from __future__ import annotations

import json
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sync.packs.build import FIXED_TIME, STORED
from sync.packs.zipcheck import CONTENT, MANIFEST, SIGNATURE
from sync.wire import bundle, protocol
from sync.wire.bundle import atomic_file

from . import cards
from .models import Kiosk, Publication
from .publish import CHUNK, blob_path, offer_for


class ExportRefused(Exception):
    """Nothing was written; the message is for a person."""


@dataclass
class Exported:
    kiosk: Kiosk
    publication: Publication | None
    files: int
    bytes: int
    cards: int = 0
    cards_path: Path | None = None


def find_kiosk(wanted: str) -> Kiosk:
    """A kiosk by its id, or by the first characters of it the hub's pages show (at least 8)."""
    wanted = wanted.strip().lower()
    kiosk = Kiosk.get_or_none(Kiosk.id == wanted)
    if kiosk is None and len(wanted) >= 8:
        matches = list(Kiosk.select().where(Kiosk.id.startswith(wanted)).limit(2))
        kiosk = matches[0] if len(matches) == 1 else None
    if kiosk is None:
        raise ExportRefused(f"no kiosk {wanted!r} is enrolled with this hub (give its id, as on the Kiosks page)")
    return kiosk


def export_for(wanted: str, data_dir: Path, out: Path) -> Exported:
    """Write the pack published for this kiosk to `out` and its network's cards beside it (atomically);
    ExportRefused when there is neither."""
    kiosk = find_kiosk(wanted)
    publication, (sent, cursor) = offer_for(kiosk), network_cards(kiosk)
    if publication is None and not sent:
        raise ExportRefused(f"no course pack is published for kiosk {kiosk.id} ({kiosk.centre}) and its network "
                            "has no learner's card: nothing to write")
    done = Exported(kiosk, publication, 0, 0)
    if publication is not None:
        done.files, done.bytes = write_pack(publication, data_dir, out)
    if sent:
        done.cards, done.cards_path = len(sent), cards_name(out)
        body = protocol.encode_cards(sent, cursor, False)
        bundle.write_atomic(done.cards_path, bundle.seal_cards(body, kiosk.id, kiosk.secret,
                                                               int(time.time() * 1000), len(sent)))
    return done


def cards_name(out: Path) -> Path:
    return Path(out).with_name(Path(out).stem + ".cards")


def network_cards(kiosk: Kiosk) -> tuple[list[dict], str]:
    """Every card the kiosk would receive online from the start (cursor "0"), and the cursor after them."""
    sent, cursor, more = [], "0", True
    while more:
        page, cursor, more = cards.page(kiosk, cursor, protocol.CARDS_PAGE)
        sent += page
    return sent, cursor


def write_pack(publication: Publication, data_dir: Path, out: Path) -> tuple[int, int]:
    """The publication as the signed pack zip it was: (files, bytes)."""
    files = json.loads(publication.manifest)["files"]
    missing = [f["path"] for f in files if not blob_path(data_dir, f["sha256"]).is_file()]
    if missing:
        raise ExportRefused(f"the hub's copy of {missing[0]} is missing from its data folder; publish the pack again")
    with atomic_file(out) as handle, zipfile.ZipFile(handle, "w", allowZip64=True) as archive:
        for entry in files:
            method = zipfile.ZIP_STORED if Path(entry["path"]).suffix.lower() in STORED else zipfile.ZIP_DEFLATED
            with open(blob_path(data_dir, entry["sha256"]), "rb") as source, \
                    archive.open(_plain(CONTENT + entry["path"], entry["size"], method), "w") as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
        archive.writestr(_plain(MANIFEST, len(publication.manifest.encode()), zipfile.ZIP_DEFLATED),
                         publication.manifest.encode("utf-8"))
        archive.writestr(_plain(SIGNATURE, len(publication.signature.encode()), zipfile.ZIP_STORED),
                         publication.signature.encode("utf-8"))
    return len(files), sum(f["size"] for f in files)


def _plain(name: str, size: int, method: int) -> zipfile.ZipInfo:
    """A plain rw-r--r-- file entry, as pack build writes them (the kiosk refuses links and devices)."""
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type, info.file_size, info.create_system = method, size, 3
    info.external_attr = 0o100644 << 16
    return info
