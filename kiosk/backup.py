"""Backups of the kiosk's database while it serves, and restoring one (with the kiosk stopped).

Never copy a live SQLite file: a copy taken mid-write can be corrupt, and the WAL file beside it holds
commits the main file does not have yet. SQLite's online backup API reads one consistent snapshot; in
WAL mode learners keep writing meanwhile, and every commit made before the backup began is in the copy.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import peewee

from sync.client import outbox
from sync.packs.switch import fsync_folder

from .db import database, open_database
from .migrations import available

DB_NAME = "relais.sqlite3"
FOLDER = "backups"
PREFIX, SUFFIX = "relais-", ".sqlite3"
SAFETY = "before-restore-"


class BackupError(Exception):
    """A backup or restore did not happen; the message says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    size: int
    seconds: float
    removed: list[Path]


def backups_folder(data_dir: Path) -> Path:
    return data_dir / FOLDER


def backup(data_dir: Path, target: Path | None = None, keep: int = 7, clock=time.time) -> BackupResult:
    """Copy the live database to `target` (default: DATA_DIR/backups/relais-DATE.sqlite3) and check it.

    Only the default folder is rotated: the newest `keep` backups stay there.
    """
    source = data_dir / DB_NAME
    if not source.exists():
        raise BackupError(f"there is no database at {source}; is --data right?")
    started = time.perf_counter()
    folder = backups_folder(data_dir)
    if target is None:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{PREFIX}{time.strftime('%Y%m%d-%H%M%S', time.localtime(clock()))}{SUFFIX}"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        _online_copy(source, partial)
        _require_intact(partial)
        _fsync(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    removed = rotate(folder, keep) if target.parent == folder else []
    return BackupResult(target, target.stat().st_size, time.perf_counter() - started, removed)


def _online_copy(source: Path, target: Path) -> None:
    """One step (pages=-1): one read transaction, so the copy is one snapshot and never restarts."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=delete")      # a single self-contained file
    finally:
        dst.close()
        src.close()


def _require_intact(path: Path) -> None:
    """PRAGMA integrity_check must answer exactly 'ok'."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = [row[0] for row in con.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path.name} is not a readable database ({error}).") from None
    finally:
        con.close()
    if rows != ["ok"]:
        raise BackupError(f"{path.name} failed the integrity check: {'; '.join(rows[:5])}")


def rotate(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` dated backups (names sort by date); safety copies stay."""
    dated = sorted(p for p in folder.glob(f"{PREFIX}2*{SUFFIX}"))
    old = dated[:-keep] if keep > 0 else dated
    for path in old:
        path.unlink()
    return old


def listed(data_dir: Path) -> list[os.DirEntry]:
    """The backups in DATA_DIR/backups, newest first (dated ones and safety copies; never a partial one)."""
    folder = backups_folder(data_dir)
    if not folder.is_dir():
        return []
    entries = [e for e in os.scandir(folder) if e.is_file() and e.name.startswith(PREFIX) and e.name.endswith(SUFFIX)]
    return sorted(entries, key=lambda e: e.stat().st_mtime, reverse=True)


def find(data_dir: Path, name: str) -> Path | None:
    """The backup called `name` in DATA_DIR/backups, or None: a name, never a path, picks it."""
    return next((Path(e.path) for e in listed(data_dir) if e.name == name), None)


def copy_to(backup_file: Path, folder: Path) -> Path:
    """Copy a backup onto a USB stick: written beside, flushed to the stick, then renamed, so a stick
    pulled out too early holds no half file under the backup's name."""
    target = folder / backup_file.name
    partial = folder / f".{backup_file.name}.partial"
    try:
        shutil.copyfile(backup_file, partial)
        _fsync(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    fsync_folder(folder)
    return target


def _fsync(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def restore(backup_file: Path, data_dir: Path) -> tuple[int, Path | None]:
    """Replace the kiosk's database with a checked copy of `backup_file`; the kiosk must be stopped.

    Returns the new sync epoch and the safety copy of the database that was replaced. The restored
    database starts a new epoch above any used before, so the hub never sees two events with the
    same (epoch, sequence).
    """
    live = data_dir / DB_NAME
    _require_intact(backup_file)
    incoming = data_dir / f".{DB_NAME}.restoring"
    incoming.unlink(missing_ok=True)
    try:
        _online_copy(backup_file, incoming)
        epoch = _start_new_epoch(incoming, _epoch_of(live) if live.exists() else 0)
        safety = _close_live(live, data_dir) if live.exists() else None
        _fsync(incoming)
        os.replace(incoming, live)
    finally:
        incoming.unlink(missing_ok=True)
    fsync_folder(data_dir)
    return epoch, safety


def _epoch_of(path: Path) -> int:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT epoch FROM kiosk_identity WHERE id = 1").fetchone()
        return row[0] if row else 0
    except sqlite3.DatabaseError:
        # No sync table yet, or the damaged database this restore replaces: its epoch is unknown,
        # and the restored copy's own epoch + 1 is the best we can do.
        return 0
    finally:
        con.close()


def _start_new_epoch(path: Path, above: int) -> int:
    """Bring the copy's schema up to date, then move it to an epoch above both its own and `above`."""
    con = sqlite3.connect(path)
    version = con.execute("PRAGMA user_version").fetchone()[0]
    con.close()
    if version == 0 or version > available()[-1].NUMBER:
        raise BackupError("this file is not a Relais database of this version (schema "
                          f"{version}); restore a backup made by this kiosk's version of Relais.")
    open_database(path, factory=_plain)
    with database.connection_context(), database.atomic():
        epoch = outbox.new_epoch()
        while epoch <= above:       # a backup older than a previous restore: jump past its epochs too
            epoch = outbox.new_epoch()
    database.close()
    return epoch


def _plain(path: Path):
    return peewee.SqliteDatabase(str(path), pragmas={"foreign_keys": 1, "busy_timeout": 5000})


def _close_live(live: Path, data_dir: Path) -> Path:
    """Keep a safety copy of the database being replaced, then fold its WAL in and leave WAL mode.

    Leaving WAL mode needs the only connection: if the kiosk is still running it fails, and we stop.
    A stale -wal file beside the restored database would otherwise be replayed into it.
    """
    folder = backups_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    safety = folder / f"{PREFIX}{SAFETY}{time.strftime('%Y%m%d-%H%M%S')}{SUFFIX}"
    _online_copy(live, safety)
    con = sqlite3.connect(live, timeout=2)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        mode = con.execute("PRAGMA journal_mode=delete").fetchone()[0]
    except sqlite3.OperationalError:
        mode = "busy"
    finally:
        con.close()
    if mode != "delete":
        raise BackupError("the kiosk is still using its database: stop it first "
                          "(sudo systemctl stop relais), then restore again.")
    return safety
