"""Kiosk figures: throughput and latency beside two baselines, memory, start-up, indexing, search, weight."""
from __future__ import annotations

import gzip
import http.cookiejar
import re
import shutil
import statistics
import subprocess
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

from .generate import generate
from .harness import ROOT, Server, free_port, load, median_of, python

RUNS = 5
SECONDS = 3


def run(rows: list, quick: bool = False) -> None:
    runs = 2 if quick else RUNS
    work = Path(tempfile.mkdtemp(prefix="relais-bench-"))
    try:
        content = generate(work / "content-1000", 200 if quick else 1000)
        _startup(rows, content, work, runs)
        _serving(rows, content, work, runs, quick)
        _indexing_and_search(rows, work, quick)
        _page_weight(rows, work)
        rows.append(("Installed venv size", f"{_du(ROOT / '.venv') / 2**20:.0f} MB", "—"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _serve_cmd(content: Path, data: Path, port: int) -> list[str]:
    return [python(), "run.py", "serve", "--host", "127.0.0.1", "--port", str(port), "--content",
            str(content), "--data", str(data)]


def _startup(rows, content, work, runs) -> None:
    cold = []
    for i in range(max(2, runs // 2)):
        port = free_port()
        server = Server(_serve_cmd(content, work / f"cold-{i}", port), port, "/healthz")
        cold.append(server.startup)
        server.stop()
    warm = []
    for _ in range(runs):
        port = free_port()
        server = Server(_serve_cmd(content, work / "cold-0", port), port, "/healthz")
        warm.append(server.startup)
        server.stop()
    lessons = sum(1 for _ in content.rglob("*.md"))
    rows.append((f"Start-up to first 200, {lessons} lessons, empty database (median of {len(cold)})",
                 f"{statistics.median(cold):.2f} s", "—"))
    rows.append((f"Start-up to first 200, {lessons} lessons, warm (median of {runs})",
                 f"{statistics.median(warm):.2f} s", "goal ≤ 0.6 s"))


class Learner:
    """A logged-in learner over real HTTP: the session cookie and a CSRF token."""

    def __init__(self, base: str):
        self.base, self.jar = base, http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        token = self.token("/new")
        self.opener.open(base + "/new", data=urllib.parse.urlencode(
            {"csrf_token": token, "name": "Bench", "picture": "sun"}).encode()).read()

    def token(self, path: str) -> str:
        page = self.opener.open(self.base + path).read().decode()
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def _serving(rows, content, work, runs, quick) -> None:
    port = free_port()
    first = Server(_serve_cmd(content, work / "serve", port), port, "/healthz")
    rows.append(("RSS idle, first start (catalogue just indexed)", f"{first.rss_mb():.1f} MB", "—"))
    first.stop()
    port = free_port()
    kiosk = Server(_serve_cmd(content, work / "serve", port), port, "/healthz")     # a normal, warm start
    learner = Learner(kiosk.base)
    course = re.search(r'href="/courses/([^"/]+)"', learner.opener.open(kiosk.base + "/courses").read().decode()).group(1)
    page = learner.opener.open(f"{kiosk.base}/courses/{course}").read().decode()
    lesson = re.search(rf'href="(/courses/{course}/[^"?]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": learner.token(lesson + "/quiz"), "q0": "1", "q1": "true",
                                   "q2": "Maj"})
    idle = kiosk.rss_mb()
    ceiling_rss = None
    headers = {"Cookie": learner.cookie(), "Accept-Encoding": "gzip"}
    load(kiosk.base + lesson, 8, 1, headers)                               # warm-up
    done = _exact_requests(kiosk.base, [lesson, "/courses"], headers, 10_000)
    after = kiosk.rss_mb()
    rows.append(("RSS idle, warm start, 1,000-lesson catalogue", f"{idle:.1f} MB", "goal ≤ 45 MB"))
    rows.append((f"RSS after {done:,} requests", f"{after:.1f} MB", "goal ≤ 60 MB"))
    static_dir = work / "static"
    static_dir.mkdir()
    (static_dir / "index.html").write_bytes(learner.opener.open(kiosk.base + lesson).read())
    targets = [("Catalogue page", kiosk.base + "/courses", None), ("Lesson page (logged in)", kiosk.base + lesson, None),
               ("Quiz answer POST", kiosk.base + lesson + "/quiz", body)]
    results = {name: {c: [load(url, c, SECONDS, headers, post) for _ in range(runs)] for c in (16, 64)}
               for name, url, post in targets}
    kiosk.stop()
    for name, module_args in (("Bare Flask + waitress, cached 15 KB (ceiling)", ["-m", "bench.baseline_app"]),
                              ("Static file server (python -m http.server)", ["-m", "http.server", "-b", "127.0.0.1", "-d", str(static_dir)])):
        port = free_port()
        server = Server([python(), *module_args, str(port)], port, "/")
        results[name] = {c: [load(server.base + "/", c, SECONDS) for _ in range(runs)] for c in (16, 64)}
        if "Flask" in name:
            ceiling_rss = server.rss_mb()
        server.stop()
    rows.append(("RSS of the bare Flask + waitress baseline after its runs", f"{ceiling_rss:.1f} MB", "baseline"))
    ceiling = {c: median_of(results["Bare Flask + waitress, cached 15 KB (ceiling)"][c], "rps") for c in (16, 64)}
    for name, by_conn in results.items():
        for conns, measured in by_conn.items():
            rps = median_of(measured, "rps")
            errors = sum(r["errors"] for r in measured)
            rows.append((f"{name}, {conns} connections (median of {runs} × {SECONDS} s)",
                         f"{rps:,.0f} req/s, p50 {median_of(measured, 'p50'):.1f} ms, p99 {median_of(measured, 'p99'):.1f} ms"
                         + (f", {errors} errors" if errors else ""),
                         f"{100 * rps / ceiling[conns]:.0f} % of the ceiling"
                         + (" (goal ≥ 40 %, p99 ≤ 25 ms at 16)" if name.startswith("Lesson") else "")))


def _exact_requests(base: str, paths: list[str], headers: dict, count: int) -> int:
    import http.client
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
    import json
    figures = json.loads(out.strip().splitlines()[-1])
    rows.append((f"Full index of {count:,} lessons", f"{figures['full']:.1f} s", "—"))
    rows.append((f"Re-index after one file changed ({count:,} lessons)", f"{figures['one']:.2f} s", "—"))
    rows.append((f"Search over {count:,} lessons (300 queries, in process)",
                 f"p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms", "—"))


def _page_weight(rows, work) -> None:
    port = free_port()
    kiosk = Server(_serve_cmd(ROOT / "content", work / "weight", port), port, "/healthz")
    learner = Learner(kiosk.base)
    pages = {"Who is learning": "/new", "Home": "/home", "Catalogue": "/courses",
             "Course": "/courses/first-digital-steps", "Lesson": "/courses/first-digital-steps/the-mouse?step=1",
             "Quiz": "/courses/first-digital-steps/the-mouse/quiz", "Search": "/search?q=souris",
             "Preferences": "/preferences"}
    assets: dict[str, int] = {}
    for name, path in pages.items():
        html = _gzip_get(learner, kiosk.base + path)
        page = gzip.decompress(html).decode()
        links = re.findall(r'(?:href|src)="(/static/[^"#]+)', page)     # a sprite is fetched once
        total, requests = len(html), 1
        for link in dict.fromkeys(links):
            if link not in assets:
                assets[link] = len(_gzip_get(learner, kiosk.base + link))
            total += assets[link]
            requests += 1
        rows.append((f"Page weight: {name} (HTML+CSS+JS+icons, gzip)", f"{total / 1024:.1f} KB, {requests} requests",
                     "goal ≤ 20 KB, ≤ 4 requests"))
    kiosk.stop()


def _gzip_get(learner: Learner, url: str) -> bytes:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    response = learner.opener.open(request)
    body = response.read()
    return body if response.headers.get("Content-Encoding") == "gzip" else gzip.compress(body)


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
