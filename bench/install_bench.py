"""The kiosk's own install, measured: a fresh venv with `pip install .` only (no test extras), beside the test venv.

Sizes are of files on disk (symlinks not followed). A library's share is the sum of the files its
distribution's RECORD lists (its byte-compiled files included), read by importlib.metadata inside that venv.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .harness import ROOT, python
from .report import mib, shares

SIZES = """
import importlib.metadata, json, os
out = {}
for dist in importlib.metadata.distributions():
    total = 0
    for f in dist.files or []:
        p = dist.locate_file(f)
        if os.path.isfile(p) and not os.path.islink(p):
            total += os.path.getsize(p)
    out[dist.metadata["Name"]] = out.get(dist.metadata["Name"], 0) + total
print(json.dumps(out))
"""


def run(rows: list, work: Path, measure: Callable[[str], None] | None = None) -> None:
    """The install's rows; `measure(interpreter)` then runs with the fresh venv's python, before it goes."""
    venv = work / "kiosk-venv"
    started = time.perf_counter()
    try:
        subprocess.run([_base_python(), "-m", "venv", str(venv)], check=True, capture_output=True, text=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
                       check=True, capture_output=True, text=True, timeout=900)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        detail = (getattr(error, "stderr", "") or str(error)).strip().splitlines()
        rows.append(("The kiosk's own install (fresh venv, `pip install .`, no test extras)",
                     f"not measured: {detail[-1] if detail else error}", "—"))
        return
    seconds = time.perf_counter() - started
    own = _sizes(str(venv / "bin" / "python"))
    rows.append((f"The kiosk's own install: a fresh venv, `pip install .` only, no test extras "
                 f"(took {seconds:.0f} s with pip's cache) — size on disk", mib(du(venv)),
                 f"the test venv (.venv, `pip install -e '.[test]'`): {mib(du(ROOT / '.venv'))}"))
    rows.append(("The kiosk's own install: each distribution's files (its RECORD), largest first",
                 shares(own, limit=15), f"{len(own)} distributions, {mib(sum(own.values()))} in all"))
    test = _sizes(python())
    extra = {name: size for name, size in test.items() if name not in own}
    rows.append(("The test venv: what the test extras add (distributions not in the kiosk's own install)",
                 shares(extra, limit=10), f"{len(extra)} distributions, {mib(sum(extra.values()))} in all"))
    if measure is not None:
        measure(str(venv / "bin" / "python"))
    shutil.rmtree(venv, ignore_errors=True)


def _base_python() -> str:
    """The interpreter the venvs are made from (not the test venv's own)."""
    return getattr(sys, "_base_executable", None) or sys.executable


def _sizes(interpreter: str) -> dict[str, int]:
    out = subprocess.run([interpreter, "-c", SIZES], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


if __name__ == "__main__":
    import tempfile
    found: list = []
    run(found, Path(tempfile.mkdtemp(prefix="relais-install-")))
    for row in found:
        print(" | ".join(row))
