"""What a content update holds on the kiosk's disk while it downloads, so it survives cuts and reboots.

    DATA_DIR/packs/download/
        offer.json       which pack and version, how each file travels, the key that signed it
        manifest.json    the signed manifest, byte for byte, and its signature
        manifest.sig
        state.json       paused, the last problem, bytes fetched, the measured speed
        blobs/<sha256>   files fetched whole and checked against the manifest
        blobs/<sha256>[.gz].part   a file being fetched: its length is where the next Range starts

Every file is written whole (temporary file, fsync, rename) except the .part files, which only grow;
a part with a bad tail after a power cut fails its SHA-256 check and is fetched again.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sync.packs import registry
from sync.packs.manifest import Manifest
from sync.packs.registry import write_atomic
from sync.packs.switch import fsync_folder

FOLDER = ("packs", "download")
STATE_DEFAULTS = {"paused": False, "error": None, "error_at": None, "suspect": [], "fetched": 0,
                  "speed": None, "last_check": None, "have_version": None}


@dataclass
class Offer:
    manifest: Manifest
    raw: bytes                     # the manifest's signed bytes
    signature: bytes
    key: str                       # fingerprint of the trusted key that signed it
    blobs: dict                    # sha256 -> gzip'd size on the hub, 0 when sent as is
    published_at: float | None = None

    @property
    def label(self) -> str:
        return registry.label(self.manifest.pack_id, self.manifest.version)

    @cached_property
    def _sizes(self) -> dict[str, int]:
        return {f.sha256: f.size for f in self.manifest.files}

    def wire_size(self, sha256: str) -> int:
        """The bytes that cross the link for this file: its gzip'd form when the hub has one."""
        return int(self.blobs.get(sha256) or 0) or self.size(sha256)

    def size(self, sha256: str) -> int:
        return self._sizes[sha256]


class Store:
    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.root = self.data_dir.joinpath(*FOLDER)
        self.blobs = self.root / "blobs"
        self._read: tuple | None = None           # (offer.json's identity, the Offer read from it)

    # The offer being fetched.
    def offer(self) -> Offer | None:
        """The offer on disk, parsed again only when offer.json changed (another process may change it)."""
        try:
            stat = (self.root / "offer.json").stat()
        except FileNotFoundError:
            return None
        identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if self._read is not None and self._read[0] == identity:
            return self._read[1]
        try:
            info = json.loads((self.root / "offer.json").read_text())
            raw, signature = (self.root / "manifest.json").read_bytes(), (self.root / "manifest.sig").read_bytes()
        except (FileNotFoundError, ValueError):
            return None
        offer = Offer(Manifest.parse(raw), raw, signature, info["key"], info["blobs"], info.get("published_at"))
        self._read = (identity, offer)
        return offer

    def save_offer(self, offer: Offer) -> None:
        """Start on a new version: files already fetched for an older offer stay if the new one needs them."""
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "offer.json").unlink(missing_ok=True)      # a crash in between leaves no half offer
        write_atomic(self.root / "manifest.json", offer.raw)
        write_atomic(self.root / "manifest.sig", offer.signature)
        self.update_state(error=None, error_at=None, suspect=[], fetched=0)
        self.prune({f.sha256 for f in offer.manifest.files})
        write_atomic(self.root / "offer.json", json.dumps(
            {"key": offer.key, "blobs": offer.blobs, "published_at": offer.published_at}).encode())

    def finish(self) -> None:
        """The version is installed: its downloaded files are no longer needed."""
        for name in ("offer.json", "manifest.json", "manifest.sig"):
            (self.root / name).unlink(missing_ok=True)
        shutil.rmtree(self.blobs, ignore_errors=True)
        self.update_state(error=None, error_at=None, suspect=[], fetched=0)

    # Progress and problems.
    def state(self) -> dict:
        try:
            saved = json.loads((self.root / "state.json").read_text())
        except (FileNotFoundError, ValueError):
            saved = {}
        return {**STATE_DEFAULTS, **{k: v for k, v in saved.items() if k in STATE_DEFAULTS}}

    def update_state(self, **changes) -> dict:
        state = {**self.state(), **changes}
        write_atomic(self.root / "state.json", json.dumps(state, sort_keys=True).encode())
        return state

    # Files.
    def blob(self, sha256: str) -> Path:
        return self.blobs / sha256

    def has(self, sha256: str) -> bool:
        return self.blob(sha256).is_file()

    def part(self, sha256: str, gzipped: bool) -> Path:
        return self.blobs / f"{sha256}{'.gz' if gzipped else ''}.part"

    def part_size(self, sha256: str, gzipped: bool) -> int:
        try:
            return self.part(sha256, gzipped).stat().st_size
        except FileNotFoundError:
            return 0

    def accept(self, sha256: str, checked: Path) -> None:
        """A file whose SHA-256 was checked becomes a blob (rename, then the folder is synced)."""
        os.replace(checked, self.blob(sha256))
        fsync_folder(self.blobs)

    def prune(self, keep: set[str]) -> None:
        """Remove fetched files and parts that `keep` (SHA-256s) does not name."""
        if not self.blobs.is_dir():
            return
        for path in self.blobs.iterdir():
            if path.name.split(".")[0] not in keep:
                path.unlink(missing_ok=True)
