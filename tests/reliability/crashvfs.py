"""A SQLite VFS that simulates a power cut, as SQLite's own crash tests do.

Writes reach the file at once (so SQLite reads them back), but until the file is synced they are
only "in the disk cache". At the chosen operation the power goes: every later operation fails, and
the crash image keeps, drops or garbles each write that was never synced.
"""
from __future__ import annotations

import random
import shutil
from pathlib import Path

import apsw


class PowerCut(apsw.IOError):
    pass


class CrashState:
    def __init__(self, cut_at: float = float("inf")):
        self.ops, self.cut_at, self.crashed = 0, cut_at, False
        self.unsynced: dict[str, list[tuple[int, bytes, int]]] = {}

    def tick(self) -> None:
        if self.crashed:
            raise PowerCut("the power is off")
        self.ops += 1
        if self.ops >= self.cut_at:
            self.crashed = True
            raise PowerCut("power cut")


class CrashVFS(apsw.VFS):
    def __init__(self, name: str, state: CrashState):
        self.state, self.base = state, ""
        super().__init__(name, self.base)

    def xOpen(self, name, flags):
        return CrashFile(self.base, name, flags, self.state)


class CrashFile(apsw.VFSFile):
    def __init__(self, base, name, flags, state: CrashState):
        self.path = name.filename() if isinstance(name, apsw.URIFilename) else (name or "")
        self.state = state
        super().__init__(base, name, flags)

    def xWrite(self, data, offset):
        self.state.tick()
        size = self.xFileSize()
        old = b""
        if offset < size:
            try:
                old = self.xRead(min(len(data), size - offset), offset)
            except apsw.Error:
                old = b""
        super().xWrite(data, offset)
        self.state.unsynced.setdefault(self.path, []).append((offset, bytes(old), len(data)))

    def xSync(self, flags):
        self.state.tick()
        super().xSync(flags)
        self.state.unsynced[self.path] = []

    def xTruncate(self, size):
        self.state.tick()
        super().xTruncate(size)


def crash_image(state: CrashState, files: list[Path], target: Path, rng: random.Random) -> None:
    """Copy the files as the disk would hold them after the cut: unsynced writes kept, lost or garbled."""
    target.mkdir(parents=True, exist_ok=True)
    for source in files:
        if not source.exists() or source.name.endswith("-shm"):       # shared memory does not survive
            continue
        copy = target / source.name
        shutil.copyfile(source, copy)
        with open(copy, "r+b") as handle:
            for offset, old, length in reversed(state.unsynced.get(str(source), [])):
                fate = rng.random()
                if fate < 1 / 3:
                    continue                                  # it reached the platter
                handle.seek(offset)
                if fate < 2 / 3:
                    handle.write(old)                         # lost: the old bytes remain
                    if len(old) < length:
                        handle.truncate(offset + len(old)) if offset + len(old) >= _size(handle) - length else None
                else:
                    handle.write(bytes(rng.getrandbits(8) for _ in range(length)))   # torn write


def _size(handle) -> int:
    position = handle.tell()
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(position)
    return size
