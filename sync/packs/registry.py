"""What this kiosk has installed, kept in DATA_DIR/packs/: the current pack and the highest versions seen.

    packs/installed.json        {"current": {...}, "highest": {"pack-id": 7, ...}}
    packs/current-manifest.json the signed manifest of the content being served, byte for byte,
    packs/current-manifest.sig  with its signature (delta updates compare file hashes against it)
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from pathlib import Path

from .errors import PackError, _l
from .manifest import Manifest

FOLDER = "packs"


def _folder(data_dir: Path) -> Path:
    return data_dir / FOLDER


def load(data_dir: Path) -> dict:
    """The registry, or an empty one on a kiosk that never imported a pack."""
    path = _folder(data_dir) / "installed.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"current": None, "highest": {}}


def current(data_dir: Path) -> dict | None:
    return load(data_dir)["current"]


def label(pack_id: str, version: int) -> str:
    """A pack version as kiosk and hub name it: 'pack-id.vN'."""
    return f"{pack_id}.v{version}"


def current_label(data_dir: Path) -> str | None:
    served = current(data_dir)
    return label(served["pack_id"], served["version"]) if served else None


def highest(data_dir: Path, pack_id: str) -> int:
    """The highest version of this pack ever installed here (0: never)."""
    return load(data_dir)["highest"].get(pack_id, 0)


def refuse_downgrade(data_dir: Path, manifest: Manifest) -> None:
    """Only newer versions of a pack install: an old pack cannot bring back a corrected mistake."""
    highest_seen = highest(data_dir, manifest.pack_id)
    if manifest.version <= highest_seen:
        raise PackError(_l("this is version %(version)s of pack %(pack)s, but version %(installed)s was "
                           "already installed: only a newer version can be imported."),
                        version=manifest.version, pack=manifest.pack_id, installed=highest_seen)


def record(data_dir: Path, manifest: Manifest, raw: bytes, signature: bytes, key: str, folder: Path) -> dict:
    """Remember the pack now served; written after the switch, so a crash never blocks a retry."""
    registry = load(data_dir)
    registry["highest"][manifest.pack_id] = max(manifest.version, registry["highest"].get(manifest.pack_id, 0))
    registry["current"] = {
        "pack_id": manifest.pack_id, "version": manifest.version, "key": key, "folder": folder.name,
        "languages": manifest.languages, "courses": manifest.courses, "lessons": manifest.lessons,
        "files": len(manifest.files), "bytes": manifest.total_size, "installed_at": time.time()}
    write_atomic(_folder(data_dir) / "current-manifest.json", raw)
    write_atomic(_folder(data_dir) / "current-manifest.sig", signature)
    write_atomic(_folder(data_dir) / "installed.json",
           json.dumps(registry, indent=1, sort_keys=True).encode())
    return registry["current"]


def write_atomic(path: Path, data: bytes) -> None:
    """Write a whole file or nothing: a temporary file, fsync, then rename over the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


@contextlib.contextmanager
def import_lock(data_dir: Path):
    """One import at a time, whether it comes from the web page or the command line."""
    folder = data_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "import.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PackError(_l("another pack is being imported right now; try again when it is done.")) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
