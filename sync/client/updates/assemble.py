"""Putting a new version together from what the kiosk already has and what it fetched, checking every byte.

A file the kiosk already serves with the same SHA-256 is copied, not fetched, whatever its name:
renaming or moving a file in a new version costs nothing on the link.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path

from sync.packs import registry, switch
from sync.packs.errors import PackError, _l
from sync.packs.manifest import Manifest, file_entry, scan_folder

CHUNK = 64 * 1024


class LocalChanged(Exception):
    """A file the kiosk served no longer has the SHA-256 its manifest gives (edited by hand?)."""

    def __init__(self, sha256: str):
        super().__init__(sha256)
        self.sha256 = sha256


def local_files(content: Path, data_dir: Path) -> dict[str, Path]:
    """The files the kiosk serves now, by SHA-256."""
    served = switch.served(Path(content))
    if served is None or not served.is_dir():
        return {}
    current = registry.current(data_dir)
    if current and current.get("folder") == served.name:
        try:
            manifest = Manifest.parse((Path(data_dir) / registry.FOLDER / "current-manifest.json").read_bytes())
            return {f.sha256: served.joinpath(*f.path.split("/")) for f in manifest.files}
        except (OSError, PackError):
            pass
    try:                              # a folder that never came from a pack: read it once
        return {file_entry(path, served).sha256: path for path in scan_folder(served)}
    except (OSError, PackError):
        return {}


def checked_copy(source: Path, target: Path, sha256: str, size: int, gzipped: bool = False) -> bool:
    """Copy `source` (gunzipping it if asked) to a new file `target`; True if the result has that SHA-256.

    Never writes more than `size` bytes (a gzip bomb stops there); a failed copy leaves no `target`.
    """
    digest, written, ok = hashlib.sha256(), 0, False
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with open(source, "rb") as raw, os.fdopen(fd, "wb") as out:
            reader = gzip.GzipFile(fileobj=raw) if gzipped else raw
            while chunk := reader.read(CHUNK):
                written += len(chunk)
                if written > size:
                    break
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        ok = written == size and digest.hexdigest() == sha256
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile):
        ok = False
    if not ok:
        target.unlink(missing_ok=True)
    return ok


def linked_or_copied(source: Path, target: Path, sha256: str, size: int) -> bool:
    """A hard link to `source` when the file system allows it (no bytes written: an SD card wears with
    every write, and a one-lesson update would otherwise copy the whole pack), else a copy; True if the
    result has that SHA-256. Served versions are never changed in place, so sharing a file is safe."""
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        return checked_copy(source, target, sha256, size)
    digest = hashlib.sha256()
    try:
        with open(target, "rb") as linked:
            while chunk := linked.read(CHUNK):
                digest.update(chunk)
    except OSError:
        pass
    if os.path.getsize(target) == size and digest.hexdigest() == sha256:
        return True
    target.unlink()
    return False


def fill(staging: Path, manifest: Manifest, fetched, local: dict[str, Path]) -> None:
    """Write every file of `manifest` under `staging`, from fetched blobs or the kiosk's own files."""
    for entry in manifest.files:
        path = staging.joinpath(*entry.path.split("/"))
        if os.path.commonpath([staging, path]) != str(staging):     # paths were checked; a second lock
            raise PackError(_l("the pack holds a path that leaves its folder (%(name)s)."), name=entry.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        source = fetched(entry.sha256) or local.get(entry.sha256)
        if source is None or not linked_or_copied(source, path, entry.sha256, entry.size):
            raise LocalChanged(entry.sha256)
