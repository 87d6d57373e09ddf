"""The atomic switch: the content folder is a symbolic link to one unpacked version, swapped whole.

    content -> content.relais-demo.v7        (what the kiosk serves)
    content.relais-demo.v6                   (the previous version, kept for requests in flight)
    .content.importing-k2j4                  (an import in progress; never served)

A new version is unpacked beside the link, then a new link replaces the old one with rename(2),
which is atomic: a reader sees the old tree or the new one, never a mix. The first import finds a
real folder there: it is kept as `content.before-packs` and never deleted.
"""
from __future__ import annotations

import ctypes
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from .errors import PackError, _l
from .manifest import Manifest
from .zipcheck import MB

STAGING, LINK_TMP, ORIGINAL = ".importing-", ".link-", ".before-packs"
SPARE_DISK = 50 * MB      # keep room for the database and the logs


def staging_dir(link: Path) -> Path:
    """A fresh hidden folder beside the link, on the same file system so that rename is atomic."""
    link.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{link.name}{STAGING}", dir=link.parent))
    folder.chmod(0o755)              # mkdtemp makes it private; the served tree is readable like any other
    return folder


def version_dir(link: Path, manifest: Manifest) -> Path:
    return link.parent / f"{link.name}.{manifest.pack_id}.v{manifest.version}"


def promote(staging: Path, link: Path, manifest: Manifest) -> Path:
    """Give the unpacked folder its final name (replacing a leftover of a failed import of it)."""
    final = version_dir(link, manifest)
    if final.exists() and final.resolve() != served(link):
        shutil.rmtree(final)
    os.rename(staging, final)
    return final


def served(link: Path) -> Path | None:
    """The folder the content path leads to now, or None."""
    return link.resolve() if link.exists() else None


def switch(link: Path, new_dir: Path) -> Path | None:
    """Point `link` at `new_dir` in one atomic step; returns the folder it led to before."""
    previous = served(link)
    tmp = link.parent / f".{link.name}{LINK_TMP}{os.getpid()}-{time.monotonic_ns()}"
    os.symlink(new_dir.name, tmp)                  # relative: the whole folder can be moved
    if link.is_dir() and not link.is_symlink():
        previous = _retire_real_folder(link, tmp)
    else:
        os.replace(tmp, link)
    fsync_folder(link.parent)
    return previous


def _retire_real_folder(link: Path, new_link: Path) -> Path:
    """The first import: the hand-made content folder becomes content.before-packs."""
    keep = link.parent / f"{link.name}{ORIGINAL}"
    if keep.exists():
        keep = link.parent / f"{link.name}{ORIGINAL}-{int(time.time())}"
    if _exchange(new_link, link):                  # one atomic step on Linux
        os.rename(new_link, keep)
    else:                                          # elsewhere: two renames, a moment with no content
        os.rename(link, keep)
        os.replace(new_link, link)
    return keep


def _exchange(first: Path, second: Path) -> bool:
    """Swap two names atomically with renameat2(RENAME_EXCHANGE); False where it is not available."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0


def fsync_folder(folder: Path) -> None:
    """Make the rename itself survive a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def cleanup(link: Path, keep: set) -> list[Path]:
    """Remove older unpacked versions and leftovers of failed imports; keep the ones named in `keep`."""
    keep = {Path(p).resolve() for p in keep if p}
    removed = []
    version = re.compile(rf"^{re.escape(link.name)}\.[a-z0-9][a-z0-9._-]*\.v\d+$")
    for path in link.parent.iterdir():
        name = path.name
        ours = name.startswith((f".{link.name}{STAGING}", f".{link.name}{LINK_TMP}")) or version.match(name)
        if not ours or path.resolve() in keep or path.resolve() == served(link):
            continue
        if path.is_symlink() or path.is_file():
            path.unlink()
        else:
            shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def refuse_full_disk(folder: Path, needed: int) -> None:
    while not folder.exists():           # the content's folder may not exist before the first import
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    if free < needed + SPARE_DISK:
        raise PackError(_l("the kiosk needs %(needed)s MB free to unpack this pack and has %(free)s MB. "
                           "Remove old files first."), needed=(needed + SPARE_DISK) // MB, free=free // MB)
