"""Building a signed pack on a kiosk or a publisher's machine: check the content, then write the pack."""
from __future__ import annotations

from pathlib import Path

from sync.packs.build import check_pack_id, write_pack
from sync.packs.errors import PackError, _l
from sync.packs.manifest import Manifest
from sync.packs.reporting import SILENT, ProgressReport

from ..content.tree import slugify
from .contentcheck import CheckResult, check_folder


def build_pack(folder: Path, out: Path, key_path: Path, version: int | None = None,
               pack_id: str | None = None, language: str = "fr",
               progress: ProgressReport = SILENT) -> tuple[Manifest, CheckResult]:
    """Write a signed pack of `folder` to `out`; PackError if the folder has content errors."""
    pack_id = check_pack_id(pack_id or slugify(folder.resolve().name, keep_prefix=True))
    check = check_folder(folder, language)
    if check.errors:
        raise PackError(_l("the content has %(count)s errors; fix them first (see 'python run.py "
                           "check-content'):\n%(errors)s"), count=len(check.errors),
                        errors="\n".join(check.errors[:20]))
    manifest = write_pack(folder, out, key_path, pack_id, version, check.languages, check.courses,
                          check.lessons, progress)
    return manifest, check
