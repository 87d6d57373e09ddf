"""Checks made on a pack's zip before a single byte is extracted: names, types, counts, sizes, ratios.

The sizes here come from the zip's headers, which an attacker writes; extraction counts the real
bytes again (extract.py). These checks refuse the obvious cases early and cheaply.
"""
from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass

from .errors import PackError, _l
from .manifest import Manifest
from .paths import refuse_duplicates, refuse_unsafe

CONTENT = "content/"                     # the course files sit under this folder in the zip
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How big a pack may be. Real courses compress 3–10 times; a bomb compresses 1000 times."""
    max_files: int = 20_000
    max_total: int = 2048 * MB           # uncompressed, every file together
    max_ratio: int = 100                 # uncompressed / compressed, per file
    ratio_free: int = 1 * MB             # files smaller than this may compress as well as they like
    max_manifest: int = 16 * MB
    max_signature: int = 4096


LIMITS = Limits()


def inspect(archive: zipfile.ZipFile, limits: Limits = LIMITS) -> dict[str, zipfile.ZipInfo]:
    """Every entry of the zip by name, once each entry passed the checks that need no extraction."""
    infos = archive.infolist()
    if len(infos) > limits.max_files + 2:
        raise PackError(_l("the pack holds %(count)s files; a pack may hold at most %(max)s."),
                        count=len(infos), max=limits.max_files)
    for info in infos:
        _refuse_entry(info, limits)
    refuse_duplicates(info.filename for info in infos)
    _refuse_overlaps(infos)
    return {info.filename: info for info in infos}


def _refuse_entry(info: zipfile.ZipInfo, limits: Limits) -> None:
    refuse_unsafe(info.filename)
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        raise PackError(_l("the pack holds a symbolic link (%(name)s); packs hold only plain files."),
                        name=info.filename)
    if kind not in (0, stat.S_IFREG):
        raise PackError(_l("the pack holds %(name)s, which is not a plain file."), name=info.filename)
    if info.flag_bits & 0x1:
        raise PackError(_l("the pack holds an encrypted file (%(name)s)."), name=info.filename)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise PackError(_l("%(name)s uses a compression this kiosk does not read; rebuild the pack with "
                           "'pack build'."), name=info.filename)
    if info.file_size > limits.max_total:
        raise PackError(_l("%(name)s would take %(size)s MB once unpacked; a pack may take at most "
                           "%(max)s MB."), name=info.filename, size=info.file_size // MB, max=limits.max_total // MB)
    if info.file_size > limits.ratio_free and info.file_size > limits.max_ratio * max(info.compress_size, 1):
        raise PackError(_l("%(name)s would grow %(ratio)s times once unpacked: this looks like a zip bomb, "
                           "not a course."), name=info.filename, ratio=info.file_size // max(info.compress_size, 1))


def _refuse_overlaps(infos: list[zipfile.ZipInfo]) -> None:
    """Entries that share compressed bytes are the trick of the densest zip bombs; real zips never do it."""
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for first, second in zip(ordered, ordered[1:]):
        if first.header_offset + first.compress_size > second.header_offset or \
                first.header_offset == second.header_offset:
            raise PackError(_l("the pack's files overlap inside the zip (%(name)s): this looks like a zip "
                               "bomb."), name=second.filename)


def read_small(archive: zipfile.ZipFile, entries: dict, name: str, limit: int) -> bytes:
    """A small member (manifest, signature) read whole, counting bytes rather than trusting headers."""
    info = entries.get(name)
    if info is None:
        raise PackError(_l("this file is not a Relais content pack (no %(name)s inside). Make packs with "
                           "'python run.py pack build'."), name=name)
    if info.file_size > limit:
        raise PackError(_l("the pack's %(name)s is too big."), name=name)
    try:
        with archive.open(info) as handle:
            data = handle.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise PackError(_l("the pack is damaged (%(error)s); ask for a new copy."), error=error) from None
    if len(data) > limit:
        raise PackError(_l("the pack's %(name)s is too big."), name=name)
    return data


def match(manifest: Manifest, entries: dict[str, zipfile.ZipInfo], limits: Limits = LIMITS) -> None:
    """The zip holds exactly the manifest's files, each with its declared size, all within the limits."""
    if len(manifest.files) > limits.max_files:
        raise PackError(_l("the pack holds %(count)s files; a pack may hold at most %(max)s."),
                        count=len(manifest.files), max=limits.max_files)
    if manifest.total_size > limits.max_total:
        raise PackError(_l("the pack would take %(size)s MB once unpacked; a pack may take at most %(max)s MB."),
                        size=manifest.total_size // MB, max=limits.max_total // MB)
    expected = {CONTENT + f.path: f for f in manifest.files}
    for name in sorted(set(entries) - expected.keys() - {MANIFEST, SIGNATURE}):
        raise PackError(_l("the pack holds %(name)s, which its manifest does not list."), name=name)
    for name, entry in expected.items():
        info = entries.get(name)
        if info is None:
            raise PackError(_l("the manifest lists %(name)s but the pack does not hold it."), name=entry.path)
        if info.file_size != entry.size:
            raise PackError(_l("%(name)s does not have the size its manifest declares."), name=entry.path)
