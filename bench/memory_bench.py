"""The kiosk's memory: idle RSS on a fresh start before any request, after many requests, and each library's share.

Idle RSS is VmRSS of the `run.py serve` process read 1 s after its port first accepted a connection,
no HTTP request sent yet (waitress listens only once the app is built and the catalogue indexed).
Library shares: the modules a built kiosk holds (sys.modules after create_app in a fresh interpreter) are
grouped by the installed distribution they come from; each group is then imported alone in a fresh
interpreter and its share is that interpreter's VmRSS minus a bare interpreter's. A library's share includes
what it imports in turn (flask-babel's includes Flask and Babel), so the shares overlap and do not add up.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from .harness import ROOT, Server, free_port, python
from .report import mib, shares, spread

RSS_JS = "int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1]) * 1024"


def run(rows: list, content: Path, work: Path, runs: int, requests: int, serve_cmd, learner_paths) -> None:
    lessons = sum(1 for _ in content.rglob("*.md"))
    first, warm = [], []
    for i in range(runs):
        first.append(_fresh_rss(serve_cmd(content, work / f"memory-first-{i}", free_port())))
    for _ in range(runs):
        warm.append(_fresh_rss(serve_cmd(content, work / "memory-first-0", free_port())))
    rows.append((f"Kiosk RSS idle, first start (empty database: this process indexed the {lessons} lessons), "
                 "before any request", spread([r / 2**20 for r in first], unit=" MB"), "—"))
    rows.append((f"Kiosk RSS idle, warm start ({lessons} lessons indexed by an earlier process), before any request",
                 spread([r / 2**20 for r in warm], unit=" MB"), "goal ≤ 45 MB"))
    _after_requests(rows, content, work, requests, serve_cmd, learner_paths, lessons)
    _library_shares(rows, content, work)


def _fresh_rss(cmd: list[str]) -> int:
    port = int(cmd[cmd.index("--port") + 1])
    server = Server(cmd, port, ready_path=None)
    try:
        time.sleep(1)
        return int(server.rss_mb() * 2**20)
    finally:
        server.stop()


def own_install(rows: list, content: Path, work: Path, interpreter: str, runs: int, requests: int,
                learner_paths) -> None:
    """The idle and after-requests figures again, served by the kiosk's own install (install_bench's venv:
    `pip install .`, no test extras), which is what a centre runs. The code is the same checkout."""
    def serve_cmd(content: Path, data: Path, port: int) -> list[str]:
        return [interpreter, "run.py", "serve", "--host", "127.0.0.1", "--port", str(port), "--content",
                str(content), "--data", str(data)]

    lessons = sum(1 for _ in content.rglob("*.md"))
    warm = [_fresh_rss(serve_cmd(content, work / "memory-first-0", free_port())) for _ in range(runs)]
    rows.append((f"Kiosk RSS idle, warm start, {lessons} lessons, before any request — the kiosk's own install "
                 "(no test extras, so no psycopg2)", spread([r / 2**20 for r in warm], unit=" MB"), "goal ≤ 45 MB"))
    _after_requests(rows, content, work, requests, serve_cmd, learner_paths, lessons,
                    name="Own install", where=" — the kiosk's own install")


def _after_requests(rows, content, work, requests, serve_cmd, learner_paths, lessons, name: str = "Bench",
                    where: str = "") -> None:
    from .kiosk_bench import Learner, exact_requests  # kiosk_bench imports this module

    port = free_port()
    kiosk = Server(serve_cmd(content, work / "memory-first-0", port), port, ready_path=None)
    try:
        time.sleep(1)
        idle = kiosk.rss_mb()
        learner = Learner(kiosk.base, name)
        paths = learner_paths(learner, kiosk.base)
        exact_requests(kiosk.base, paths, {"Cookie": learner.cookie(), "Accept-Encoding": "gzip"}, requests)
        after = kiosk.rss_mb()
    finally:
        kiosk.stop()
    rows.append((f"Kiosk RSS after {requests:,} requests ({lessons} lessons; one logged-in learner, one connection, "
                 f"{', '.join(paths)} in turn){where}", f"{after:.1f} MB",
                 f"the same process idle before them: {idle:.1f} MB; goal ≤ 55 MB"))


def _library_shares(rows, content, work) -> None:
    data = work / "memory-first-0"                      # indexed already by the starts above
    script = f"""
import json, sys
from kiosk.app import create_app
from sync.base import serving
create_app({{"DATA_DIR": {str(data)!r}, "CONTENT_DIR": {str(content)!r}, "NARRATION": "no"}})
rss = {RSS_JS}
from bench.memory_bench import _by_distribution    # after the kiosk: in the kiosk's interpreter and venv
print(json.dumps({{"groups": _by_distribution(sorted(sys.modules)), "rss": rss}}))
"""
    try:
        built = json.loads(_python_out(script))
        groups = built["groups"]
    except (subprocess.CalledProcessError, ValueError) as error:
        rows.append(("Each library's share of the kiosk's RSS", f"not measured: {error}", "—"))
        return
    bare = json.loads(_python_out(f"import json; print(json.dumps({RSS_JS}))"))
    alone = {name: json.loads(_python_out(_import_script(mods))) - bare for name, mods in groups.items()}
    everything = json.loads(_python_out(_import_script([m for mods in groups.values() for m in mods])))
    rows.append(("Each library's share of the kiosk's idle RSS: its modules that a built kiosk holds, imported alone "
                 "in a fresh interpreter, VmRSS minus a bare interpreter's (shares overlap: each includes what it "
                 "imports)", shares(alone),
                 f"bare interpreter {mib(bare)}; all those modules together {mib(everything)}; "
                 f"the built kiosk (app made, 1 interpreter) {mib(built['rss'])}"))


def _by_distribution(modules: list[str]) -> dict[str, list[str]]:
    """Module names grouped by the distribution that installed them ('stdlib' for the standard library)."""
    import importlib.metadata
    import sys

    owners = importlib.metadata.packages_distributions()
    groups: dict[str, list[str]] = {}
    for name in modules:
        top = name.split(".")[0]
        if top in ("kiosk", "sync", "bench", "tests", "__main__") or top.startswith("_distutils"):
            continue
        owner = "stdlib" if top in sys.stdlib_module_names or top in sys.builtin_module_names else \
            (owners.get(top) or [top])[0]
        groups.setdefault(owner, []).append(name)
    return groups


def _import_script(modules: list[str]) -> str:
    return (f"import importlib, json\nfor m in {modules!r}:\n    try:\n        importlib.import_module(m)\n"
            f"    except Exception:\n        pass\nprint(json.dumps({RSS_JS}))\n")


def _python_out(script: str) -> str:
    out = subprocess.run([python(), "-c", script], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "RELAIS_NARRATION": "no"}).stdout
    return out.strip().splitlines()[-1]
