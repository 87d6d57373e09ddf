"""A pack's manifest: its id, version, languages and every file with its size and SHA-256.

The manifest is per file and content-addressed on purpose: a kiosk that already holds a file with
the same SHA-256 (even under another name) need not fetch it again (delta updates from the hub).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import PackError, _l
from .paths import refuse_duplicates, refuse_unsafe

FORMAT = 1
PACK_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 256 * 1024


@dataclass(frozen=True)
class FileEntry:
    path: str           # relative to the content folder, '/' separated
    size: int
    sha256: str


@dataclass
class Manifest:
    pack_id: str
    version: int
    files: list[FileEntry]
    languages: list[str] = field(default_factory=list)
    courses: int = 0
    lessons: int = 0
    created: str = ""
    format: int = FORMAT

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)

    def to_bytes(self) -> bytes:
        """The exact bytes that are signed: sorted keys, so the same pack always gives the same bytes."""
        data = asdict(self)
        return (json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()

    @classmethod
    def parse(cls, raw: bytes) -> "Manifest":
        """Read and validate manifest bytes (already verified against a trusted key)."""
        try:
            data = json.loads(raw.decode("utf-8"))
            manifest = cls(**{**data, "files": [FileEntry(**f) for f in data["files"]]})
        except (ValueError, TypeError, KeyError) as error:
            raise PackError(_l("the pack's manifest cannot be read (%(error)s)."), error=error) from None
        manifest.validate()
        return manifest

    def validate(self) -> None:
        """Raise PackError on a field of the wrong type or shape, an unsafe path or a duplicate."""
        if self.format != FORMAT:
            raise PackError(_l("this pack uses manifest format %(format)s; this kiosk reads format %(ours)s. "
                               "Update the kiosk first."), format=self.format, ours=FORMAT)
        if not isinstance(self.pack_id, str) or not PACK_ID.match(self.pack_id):
            raise PackError(_l("the pack id %(id)r is not valid (lower-case letters, digits, '-', '.', '_')."),
                            id=self.pack_id)
        if not _positive_int(self.version):
            raise PackError(_l("the pack's version must be a whole number above 0."))
        for entry in self.files:
            refuse_unsafe(entry.path)
            if not (_positive_int(entry.size) or entry.size == 0) or not (
                    isinstance(entry.sha256, str) and SHA256.match(entry.sha256)):
                raise PackError(_l("the manifest entry for %(path)s has a bad size or SHA-256."), path=entry.path)
        refuse_duplicates(f.path for f in self.files)


def _positive_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def scan_folder(folder: Path) -> list[Path]:
    """Every file a pack of `folder` holds, sorted; hidden files (.git, .DS_Store) are left out."""
    found = []
    for parent, dirs, files in os.walk(folder):
        visible = [name for name in dirs + files if not name.startswith(".")]
        for name in visible:
            if (Path(parent) / name).is_symlink():
                raise PackError(_l("%(path)s is a symbolic link; packs hold only plain files and folders. "
                                   "Copy the file itself into the folder."), path=Path(parent) / name)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(parent) / name for name in sorted(files) if not name.startswith(".")]
    return found


def file_entry(path: Path, folder: Path, on_bytes=lambda n: None) -> FileEntry:
    """Size and SHA-256 of one file, read in chunks (a video need not fit in memory)."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            on_bytes(len(chunk))
    rel = path.relative_to(folder).as_posix()
    refuse_unsafe(rel)
    return FileEntry(rel, size, digest.hexdigest())


def timestamp_version(now: float | None = None) -> int:
    """A default version that only grows: the UTC minute, as 202506141530."""
    return int(time.strftime("%Y%m%d%H%M", time.gmtime(now or time.time())))
