"""Importing a pack: verify everything, unpack beside the served content, check it, then switch at once.

Nothing the learners see changes until the last step (switch.switch), so any refusal or crash before
it leaves the old content exactly as it was. One import runs at a time (a lock file in DATA_DIR).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sync.packs import registry, switch
from sync.packs.errors import PackError, _l
from sync.packs.manifest import Manifest
from sync.packs.registry import import_lock
from sync.packs.reporting import SILENT, ProgressReport
from sync.packs.signing import verify
from sync.packs.switch import refuse_full_disk
from sync.packs.zipcheck import LIMITS, MANIFEST, SIGNATURE, Limits, inspect, match, read_small

from ..indexing import index_content
from .contentcheck import CheckResult, check_folder
from .extract import extract


@dataclass
class ImportResult:
    manifest: Manifest
    key: str                  # fingerprint of the key that signed it
    folder: Path              # the new unpacked version
    previous: Path | None     # what was served before
    check: CheckResult


def import_pack(pack: Path, content: Path, data_dir: Path, language: str = "fr",
                progress: ProgressReport = SILENT, limits: Limits = LIMITS) -> ImportResult:
    """Install `pack` as the content served at `content` (a link this function manages)."""
    content = Path(os.path.abspath(content))
    with import_lock(data_dir), _open_zip(pack) as archive:
        manifest, raw, signature, key = _verified_manifest(archive, data_dir, limits)
        registry.refuse_downgrade(data_dir, manifest)
        refuse_full_disk(content.parent, manifest.total_size)
        return install_folder(lambda staging: extract(archive, manifest, staging, progress), manifest, raw,
                              signature, key, content, data_dir, language)


def install_folder(fill, manifest: Manifest, raw: bytes, signature: bytes, key: str, content: Path,
                   data_dir: Path, language: str) -> ImportResult:
    """The end of every install: `fill(staging)` writes the files, then check, switch at once, record.

    A USB import fills the folder from the zip; an update from the hub from the files it fetched.
    The caller holds the import lock (`import_lock`) and has verified the manifest's signature.
    """
    staging = switch.staging_dir(content)
    try:
        fill(staging)
        check = _checked(staging, language)
        folder = switch.promote(staging, content, manifest)
        os.sync()            # every unpacked byte on the card before the link points at it
        previous = switch.switch(content, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    registry.record(data_dir, manifest, raw, signature, key, folder)
    switch.cleanup(content, keep={folder, previous})
    return ImportResult(manifest, key, folder, previous, check)


def installer(content: Path, data_dir: Path, language: str):
    """`install_folder` for one kiosk's content, as course updates from the hub call it."""
    content = Path(os.path.abspath(content))

    def install(fill, manifest: Manifest, raw: bytes, signature: bytes, key: str) -> ImportResult:
        return install_folder(fill, manifest, raw, signature, key, content, data_dir, language)
    return install


NOT_A_PACK = _l("it holds no %(name)s, the signed list of files every course pack carries: it is an "
                "ordinary zip file. Course packs are made by their publisher with 'python run.py pack build'.")


def _verified_manifest(archive: zipfile.ZipFile, data_dir: Path, limits: Limits):
    """Checks that need no extraction, the reason a person can act on first.

    Is it a pack at all, and from a trusted publisher (two small members, read counting bytes)? Then
    every entry, the manifest, and the entries against it.
    """
    listed = {info.filename: info for info in archive.infolist()}
    for name in (MANIFEST, SIGNATURE):
        if name not in listed:
            raise PackError(NOT_A_PACK, name=name)
    raw = read_small(archive, listed, MANIFEST, limits.max_manifest)
    signature = read_small(archive, listed, SIGNATURE, limits.max_signature)
    key = verify(raw, signature, data_dir)
    entries = inspect(archive, limits)
    manifest = Manifest.parse(raw)
    match(manifest, entries, limits)
    return manifest, raw, signature, key


def _checked(folder: Path, language: str) -> CheckResult:
    check = check_folder(folder, language)
    if check.errors:
        raise PackError(_l("the pack's content has %(count)s errors, so it was not installed:\n%(errors)s"),
                        count=len(check.errors), errors="\n".join(check.errors[:20]))
    return check


@contextlib.contextmanager
def _open_zip(pack: Path):
    try:
        archive = zipfile.ZipFile(pack)
    except FileNotFoundError:
        raise PackError(_l("there is no file at %(path)s."), path=pack) from None
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise PackError(_l("%(path)s is not a readable zip file (%(error)s)."), path=pack.name,
                        error=error) from None
    with archive:
        yield archive


def reindex(content: Path, data_dir: Path, language: str):
    """Index the newly served content into the kiosk's database (opened and connected by the caller); the
    report counts its problems, which stay in the database (the pack's own check listed them before)."""
    return index_content(Path(content).resolve(), data_dir, language, problems=False)
