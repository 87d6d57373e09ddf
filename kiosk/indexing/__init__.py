"""Indexing the content folder into SQLite at start-up; only lessons whose files changed are re-read
(reread.py, the heavy half).

When no file changed since the last start, nothing is read and the parsers are not even imported,
which keeps a warm start fast and the kiosk's memory small.
"""
from __future__ import annotations

import ctypes
import gc
import hashlib
import os
import time
from pathlib import Path

from .. import catalog
from ..content.problems import Problem
from ..models import ContentFile, KioskSetting
from .report import PARSER_VERSION, SUMMARY_KEY, IndexReport, summarise


def index_content(root: Path, data_dir: Path, default_language: str, problems: bool = True) -> IndexReport:
    """Bring the catalogue tables in line with the folder; what cannot be read is recorded, not fatal.

    `problems=False` (a serving kiosk): the report counts the problems but does not hold them; they stay in
    the database for the facilitator's page (stored_problems()). check-content and the pack check list them.
    """
    started, report = time.perf_counter(), IndexReport()
    root = root.resolve()
    tree = _tree_fingerprint(root, default_language)
    stored = KioskSetting.get_or_none(KioskSetting.key == "catalog_fingerprint")
    if stored and stored.value == tree:
        catalog.changed()                       # another database may have been opened meanwhile
        return _finish(report, started, problems)   # nothing changed since the last start: no file is read
    # Imported here, not above: the parsers (Markdown, nh3, Pillow, YAML) load only when a file changed,
    # so a warm start reads nothing and the kiosk stays smaller (measured: 56 MB RSS after importing
    # kiosk.app, 60 MB with this module too).
    from . import reread
    reread.run(root, data_dir, default_language, report, tree)
    catalog.changed()
    _give_memory_back()
    return _finish(report, started, problems)


def _give_memory_back() -> None:
    """Parsing a large catalogue leaves freed heap behind; hand it back to a 1 GB machine."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass            # not glibc: nothing to do


def _finish(report: IndexReport, started: float, problems: bool) -> IndexReport:
    if problems:
        report.problems = stored_problems()
        report.problem_count = len(report.problems)
        report.skipped = [path for path, in ContentFile.select(ContentFile.path).where(ContentFile.skipped)
                          .order_by(ContentFile.path).tuples()]
    else:
        # The counts only, as the last re-read left them: the bench's 1,000 generated lessons carry 9,000
        # warnings, and reading them all into Problems, even to drop them, left 2.6 MB more in a warm start's
        # RSS; reading their rows at all, 0.45 MB more (SQLite's page cache). A database indexed before the
        # summary was kept has none: its rows are counted, a row at a time.
        stored = KioskSetting.get_or_none(KioskSetting.key == SUMMARY_KEY)
        summary = stored.value if stored else summarise()
        report.skipped, report.problem_count = summary["skipped"], summary["problems"]
    counts = catalog.counts()
    report.courses, report.lessons = counts["courses"], counts["lessons"]
    report.seconds = time.perf_counter() - started
    return report


def stored_problems() -> list[Problem]:
    """Every problem the last indexing recorded, read from the database, file by file."""
    return [Problem(**p) for f in ContentFile.select(ContentFile.path, ContentFile.problems).order_by(ContentFile.path)
            for p in f.problems]


def _tree_fingerprint(root: Path, default_language: str) -> str:
    """Size and modification time of every file under the root: equal means nothing to re-read."""
    digest = hashlib.sha256(f"{PARSER_VERSION}:{default_language}:{root}".encode())
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            try:
                stat = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            digest.update(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


