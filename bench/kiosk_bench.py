"""Kiosk figures: start-up, memory, pages and static files under load beside their ceilings, indexing, weight, install.

Every load row: `wrk` (or the threaded Python client) on CPU 1, the server alone on CPU 0, the same request
headers for the kiosk and its baselines (the learner's session cookie and `Accept-Encoding: gzip`), the
median of the runs with their spread (min–max) in brackets.
"""
from __future__ import annotations

import http.client
import http.cookiejar
import json
import re
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

from . import install_bench, memory_bench, page_weight, static_bench
from .generate import generate
from .harness import ROOT, Server, free_port, load, python
from .report import load_cell, ratio_cell, spread

RUNS = 5
SECONDS = 3
PAGE_CEILING = "bare Flask + waitress sending the lesson's HTML (gzip'd once at start, same settings)"


def run(rows: list, quick: bool = False) -> None:
    runs = 2 if quick else RUNS
    work = Path(tempfile.mkdtemp(prefix="relais-bench-"))
    try:
        content = generate(work / "content-1000", 200 if quick else 1000)
        _startup(rows, content, work, runs)
        memory_bench.run(rows, content, work, 3 if not quick else 2, 2_000 if quick else 10_000,
                         serve_cmd, learner_paths)
        _serving(rows, content, work, runs, (16,) if quick else (16, 64), 2 if quick else SECONDS)
        _indexing_and_search(rows, work, quick)
        rows.extend(page_weight.run(work))
        if quick:
            rows.append(("The kiosk's own install (fresh venv, `pip install .`, no test extras)",
                         "not measured in --quick (a minute or more): python -m bench.install_bench", "—"))
        else:
            install_bench.run(rows, work, lambda interpreter: memory_bench.own_install(
                rows, content, work, interpreter, 3, 10_000, learner_paths))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def serve_cmd(content: Path, data: Path, port: int) -> list[str]:
    return [python(), "run.py", "serve", "--host", "127.0.0.1", "--port", str(port), "--content",
            str(content), "--data", str(data)]


def _startup(rows, content, work, runs) -> None:
    cold, warm = [], []
    for i in range(max(2, runs // 2)):
        port = free_port()
        server = Server(serve_cmd(content, work / f"cold-{i}", port), port, "/healthz")
        cold.append(server.startup)
        server.stop()
    for _ in range(runs):
        port = free_port()
        server = Server(serve_cmd(content, work / "cold-0", port), port, "/healthz")
        warm.append(server.startup)
        server.stop()
    lessons = sum(1 for _ in content.rglob("*.md"))
    rows.append((f"Kiosk start-up, process start to the first 200 of /healthz, {lessons} lessons, empty database",
                 spread(cold, ".2f", " s"), "—"))
    rows.append((f"Kiosk start-up, the same, {lessons} lessons already indexed (warm)", spread(warm, ".2f", " s"),
                 "goal ≤ 0.6 s"))


class Learner:
    """A logged-in learner over real HTTP: the session cookie and a CSRF token."""

    def __init__(self, base: str, name: str = "Bench"):
        self.base, self.jar = base, http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        token = self.token("/new")
        self.opener.open(base + "/new", data=urllib.parse.urlencode(
            {"csrf_token": token, "name": name, "picture": "sun"}).encode()).read()

    def token(self, path: str) -> str:
        page = self.opener.open(self.base + path).read().decode()
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def text(self, path: str) -> str:
        return self.opener.open(self.base + path).read().decode()


def _visitor_cookie(base: str) -> str:
    """The cookie a browser keeps from "Who is learning?" before anyone logs in (its session and CSRF token)."""
    jar = http.cookiejar.CookieJar()
    urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)).open(base + "/").read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def learner_paths(learner: Learner, base: str) -> list[str]:
    """The lesson page (its first lesson's first step) and the catalogue."""
    return [first_lesson(learner), "/courses"]


def first_lesson(learner: Learner) -> str:
    course = re.search(r'href="/courses/([^"/]+)"', learner.text("/courses")).group(1)
    return re.search(rf'href="(/courses/{course}/[^"?]+)"', learner.text(f"/courses/{course}")).group(1)


def _serving(rows, content, work, runs, conns, seconds) -> None:
    port = free_port()
    kiosk = Server(serve_cmd(content, work / "cold-0", port), port, "/healthz")     # a normal, warm start
    try:
        learner = Learner(kiosk.base)
        lesson = first_lesson(learner)
        page = work / "lesson.html"
        page.write_bytes(learner.opener.open(kiosk.base + lesson).read())         # as sent, before gzip
        body = urllib.parse.urlencode({"csrf_token": learner.token(lesson + "/quiz"), "q0": "1", "q1": "true",
                                       "q2": "Maj"})
        headers = {"Cookie": learner.cookie(), "Accept-Encoding": "gzip"}
        static_url = re.search(r'href="(/static/style\.css[^"]*)"', learner.text(lesson)).group(1)
        anonymous = {"Accept-Encoding": "gzip"}          # "Who is learning?" sends a logged-in learner home
        screen = {"Cookie": _visitor_cookie(kiosk.base), "Accept-Encoding": "gzip"}
        targets = [("Home page (logged in, GET /home)", "/home", None, headers),
                   ("Who is learning? (a first visit: no cookie, so a new session and token each time, GET /, "
                    "1 learner card)", "/", None, anonymous),
                   ("Who is learning? (the kiosk screen's browser between learners: its visitor cookie sent, "
                    "GET /, 1 learner card)", "/", None, screen),
                   ("Catalogue page (logged in, GET /courses)", "/courses", None, headers),
                   (f"Lesson page (logged in, GET {lesson}, {page.stat().st_size / 1024:.1f} KB of HTML)", lesson,
                    None, headers),
                   ("Quiz answer POST (logged in, 3 answers, synchronous=FULL)", lesson + "/quiz", body, headers),
                   (f"Static file from the kiosk (GET {static_url.split('?')[0]}, its content-hashed URL)",
                    static_url, None, headers)]
        load(kiosk.base + lesson, 8, 1, headers)                                   # warm-up
        results = {name: {c: [load(kiosk.base + path, c, seconds, sent, post) for _ in range(runs)] for c in conns}
                   for name, path, post, sent in targets}
        static_size = static_bench.body_size(kiosk.base + static_url)
    finally:
        kiosk.stop()
    slow = _slow_card_posts(content, work, runs, conns, seconds)
    static_file = static_bench.prepare(work, static_bench.STYLESHEET)
    ceiling = _page_ceiling(page, static_file, runs, seconds, conns, headers)
    others = static_bench.baselines(static_file, page, runs, seconds, conns, headers)
    label = f"{runs} × {seconds} s"
    for name, by_conn in results.items():
        static = name.startswith("Static")
        for c, measured in by_conn.items():
            compared = ([ratio_cell(measured, others["flask"][0][c], "bare Flask's"),
                         ratio_cell(measured, others["wsgi"][0][c], "waitress alone's"),
                         ratio_cell(measured, others["nginx"][0][c], "nginx's")
                         if isinstance(others["nginx"][0], dict) else others["nginx"][0]]
                        if static else [ratio_cell(measured, ceiling[c], "the page ceiling")])
            rows.append((f"{name}, {c} connections, {label}" + (f", body {static_size}" if static else ""),
                         load_cell(measured), "; ".join(compared) + _goal(name)))
    quiz = next(by_conn for name, by_conn in results.items() if name.startswith("Quiz"))
    for c in conns:
        rows.append((f"Quiz answer POST on a slow card: {SLOW_FSYNC_MS} ms added to each fsync and fdatasync "
                     f"(bench/slow_fsync.c, LD_PRELOAD), {c} connections, {label}",
                     load_cell(slow[c]) if isinstance(slow, dict) else slow,
                     f"the same POST on this machine's disk: p99 {spread([r['p99'] for r in quiz[c]], '.1f', ' ms')}"
                     " (goal p99 ≤ 100 ms at 16)"))
    for c in conns:
        rows.append((f"Ceiling for pages: {PAGE_CEILING}, {c} connections, {label}", load_cell(ceiling[c]),
                     "100 %"))
    for key, what in (("flask", "bare Flask + waitress sending the same file gzip'd once, from memory, with its ETag"),
                      ("wsgi", "waitress alone: a bare WSGI callable, no framework, sending the same bytes and "
                               "headers (what no Python application under waitress can beat)"),
                      ("nginx", "nginx 1 worker, the same .gz file from disk (gzip_static): the physical ceiling")):
        measured, size = others[key]
        for c in conns:
            rows.append((f"Ceiling for static files: {what}, {c} connections, {label}"
                         + (f", body {size}" if size else ""),
                         load_cell(measured[c]) if isinstance(measured, dict) else measured, "—"))


SLOW_FSYNC_MS = 10


def _slow_card_posts(content: Path, work: Path, runs, conns, seconds) -> dict | str:
    """The quiz answer POST on a kiosk whose every fsync waits SLOW_FSYNC_MS: {connections: [runs]}, or why not."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        return "not measured: no C compiler to build bench/slow_fsync.c"
    shim = work / "slow_fsync.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", str(shim), str(ROOT / "bench" / "slow_fsync.c"),
                    "-ldl"], check=True)
    data = work / "slow-card"
    shutil.copytree(work / "cold-0", data)           # the catalogue already indexed, as on a warm start
    port = free_port()
    kiosk = Server(serve_cmd(content, data, port), port, "/healthz",
                   env={"LD_PRELOAD": str(shim), "RELAIS_BENCH_FSYNC_MS": str(SLOW_FSYNC_MS)})
    try:
        learner = Learner(kiosk.base, "Slow card")
        lesson = first_lesson(learner)
        body = urllib.parse.urlencode({"csrf_token": learner.token(lesson + "/quiz"), "q0": "1", "q1": "true",
                                       "q2": "Maj"})
        headers = {"Cookie": learner.cookie(), "Accept-Encoding": "gzip"}
        load(kiosk.base + lesson + "/quiz", 8, 1, headers, body)                    # warm-up
        return {c: [load(kiosk.base + lesson + "/quiz", c, seconds, headers, body) for _ in range(runs)]
                for c in conns}
    finally:
        kiosk.stop()


def _goal(name: str) -> str:
    for prefix, goal in (("Lesson", "goal ≥ 40 %, p99 ≤ 25 ms at 16"), ("Catalogue", "goal ≥ 30 %"),
                         ("Home", "goal ≥ 30 %"), ("Who", "goal ≥ 40 %"), ("Quiz", "goal p99 ≤ 100 ms at 16"),
                         ("Static", "goal ≥ 80 % of the ceiling")):
        if name.startswith(prefix):
            return f" ({goal})"
    return ""


def _page_ceiling(page: Path, static_file: Path, runs, seconds, conns, headers) -> dict:
    server = static_bench.flask_server(page, static_file)
    try:
        load(server.base + "/", 8, 1, headers)
        return {c: [load(server.base + "/", c, seconds, headers) for _ in range(runs)] for c in conns}
    finally:
        server.stop()


def exact_requests(base: str, paths: list[str], headers: dict, count: int) -> int:
    host, port = re.match(r"http://([^:/]+):(\d+)", base).groups()
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    for i in range(count):
        conn.request("GET", paths[i % len(paths)], headers=headers)
        conn.getresponse().read()
    return count


def _indexing_and_search(rows, work, quick) -> None:
    count = 1000 if quick else 5000
    script = f"""
import json, statistics, sys, time, random
from pathlib import Path
sys.path.insert(0, {str(ROOT)!r})
from bench.generate import generate
from kiosk.db import open_database, database
from kiosk.indexing import index_content
from kiosk import catalog
root = Path({str(work)!r}) / "index"
content = generate(root / "content", {count})
open_database(root / "db.sqlite3")
out = {{}}
with database.connection_context():
    t = time.perf_counter(); index_content(content, root, "fr"); out["full"] = time.perf_counter() - t
    target = next(content.rglob("*.md")); target.write_text("# Changed\\n\\nNew text.\\n")
    t = time.perf_counter(); r = index_content(content, root, "fr"); out["one"] = time.perf_counter() - t
    words = "souris sécurité securite internet clavier banque paiement donnees courriel equipe".split()
    rng = random.Random(2); lat = []
    for i in range(300):
        q = " ".join(rng.sample(words, 1 + i % 2))
        t = time.perf_counter(); catalog.search(q, "fr"); lat.append((time.perf_counter() - t) * 1000)
    lat.sort(); out["p50"] = lat[len(lat) // 2]; out["p99"] = lat[int(len(lat) * 0.99)]
print(json.dumps(out))
"""
    out = subprocess.run([python(), "-c", script], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    rows.append((f"Full index of {count:,} generated lessons (in process, one run)", f"{figures['full']:.1f} s", "—"))
    rows.append((f"Re-index after one file changed ({count:,} lessons, one run)", f"{figures['one']:.2f} s", "—"))
    rows.append((f"Search over {count:,} lessons (300 queries of 1–2 words, in process)",
                 f"p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms", "—"))

