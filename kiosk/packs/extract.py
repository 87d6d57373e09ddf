"""Unpacking a checked pack into a fresh folder, counting and hashing every byte as it goes."""
from __future__ import annotations

import hashlib
import os
import zipfile
import zlib
from pathlib import Path

from sync.packs.errors import PackError, _l
from sync.packs.manifest import FileEntry, Manifest
from sync.packs.reporting import SILENT, ProgressReport
from sync.packs.zipcheck import CONTENT

CHUNK = 64 * 1024           # memory stays flat whatever a file claims to be


def extract(archive: zipfile.ZipFile, manifest: Manifest, target: Path, progress: ProgressReport = SILENT) -> None:
    """Write every manifest file under `target` (an empty folder); PackError at the first wrong byte."""
    progress.step("Unpacking", manifest.total_size)
    try:
        for entry in manifest.files:
            _extract_one(archive, entry, target, progress)
    finally:
        progress.done()


def _extract_one(archive: zipfile.ZipFile, entry: FileEntry, target: Path, progress: ProgressReport) -> None:
    path = target.joinpath(*entry.path.split("/"))
    if os.path.commonpath([target, path]) != str(target):      # paths were checked; this is a second lock
        raise PackError(_l("the pack holds a path that leaves its folder (%(name)s)."), name=entry.path)
    digest, written = hashlib.sha256(), 0
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL and O_NOFOLLOW: never write through something that is already there.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with archive.open(CONTENT + entry.path) as source, os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > entry.size:
                    raise PackError(_l("%(name)s is bigger than its manifest declares: refused."), name=entry.path)
                digest.update(chunk)
                out.write(chunk)
                progress.advance(len(chunk))
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise PackError(_l("%(name)s is damaged inside the pack (%(error)s); ask for a new copy."),
                        name=entry.path, error=error) from None
    except OSError as error:
        raise PackError(_l("could not write %(name)s (%(error)s). Is the disk full?"),
                        name=entry.path, error=error.strerror or error) from None
    if written != entry.size or digest.hexdigest() != entry.sha256:
        raise PackError(_l("%(name)s is not the file the manifest describes (its SHA-256 differs): the pack "
                           "was changed or damaged. Ask for a new copy."), name=entry.path)
