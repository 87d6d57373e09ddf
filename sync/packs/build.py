"""Building a signed pack from a checked content folder: zip it, list every file, sign the list.

The content check itself is the kiosk's (kiosk/packs/build.py runs it first): this layer knows only
the format.
"""
from __future__ import annotations

import hashlib
import os
import time
import zipfile
from pathlib import Path

from .errors import PackError, _l
from .manifest import PACK_ID, FileEntry, Manifest, scan_folder, timestamp_version
from .paths import refuse_duplicates, refuse_unsafe
from .reporting import SILENT, ProgressReport
from .signing import load_private, sign
from .zipcheck import CONTENT, MANIFEST, SIGNATURE

# Already compressed: deflating them again costs the Pi time and saves nothing.
STORED = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp3", ".mp4", ".m4a", ".m4v", ".ogg", ".ogv",
          ".opus", ".webm", ".zip", ".gz", ".pdf", ".woff2"}
FIXED_TIME = (1980, 1, 1, 0, 0, 0)       # the same folder always gives the same zip
CHUNK = 256 * 1024


def check_pack_id(pack_id: str) -> str:
    if not PACK_ID.match(pack_id):
        raise PackError(_l("the pack id %(id)r is not valid (lower-case letters, digits, '-', '.', '_')."),
                        id=pack_id)
    return pack_id


def write_pack(folder: Path, out: Path, key_path: Path, pack_id: str, version: int | None = None,
               languages: list[str] = (), courses: int = 0, lessons: int = 0,
               progress: ProgressReport = SILENT) -> Manifest:
    """Write a signed pack of `folder` (already checked; its counts given) to `out`."""
    key = load_private(key_path)
    check_pack_id(pack_id)
    files = scan_folder(folder)
    rels = [path.relative_to(folder).as_posix() for path in files]
    for rel in rels:
        refuse_unsafe(rel)
    refuse_duplicates(rels)
    manifest = Manifest(pack_id=pack_id, version=version or timestamp_version(), files=[],
                        languages=list(languages), courses=courses, lessons=lessons,
                        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        _write_zip(tmp, folder, files, manifest, key, progress)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return manifest


def _write_zip(tmp: Path, folder: Path, files: list[Path], manifest: Manifest, key, progress) -> None:
    """Course files first, hashed as they are written (one read of each file), then manifest and signature."""
    progress.step("Packing", sum(path.stat().st_size for path in files))
    try:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as archive:
            for path in files:
                manifest.files.append(_add_file(archive, path, folder, progress))
            manifest.validate()
            raw = manifest.to_bytes()
            archive.writestr(_info(MANIFEST, len(raw), zipfile.ZIP_DEFLATED), raw)
            signature = sign(raw, key)
            archive.writestr(_info(SIGNATURE, len(signature), zipfile.ZIP_STORED), signature)
    finally:
        progress.done()


def _add_file(archive: zipfile.ZipFile, path: Path, folder: Path, progress: ProgressReport) -> FileEntry:
    rel = path.relative_to(folder).as_posix()
    size = path.stat().st_size
    method = zipfile.ZIP_STORED if path.suffix.lower() in STORED else zipfile.ZIP_DEFLATED
    digest, written = hashlib.sha256(), 0
    with open(path, "rb") as source, archive.open(_info(CONTENT + rel, size, method), "w") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            written += len(chunk)
            progress.advance(len(chunk))
    if written != size:
        raise PackError(_l("%(path)s changed while the pack was being built; try again."), path=path)
    return FileEntry(rel, size, digest.hexdigest())


def _info(name: str, size: int, method: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type, info.file_size, info.create_system = method, size, 3
    info.external_attr = 0o100644 << 16          # a plain file, rw-r--r--
    return info
