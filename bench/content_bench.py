"""Content-update figures: a 20 MB pack and one-lesson updates from a hub to a kiosk, through the fault proxy.

`run()` returns rows (figure, measured, baseline or goal); `python -m bench.content_bench` prints them.
The pack is realistic: 200 generated lessons in 4 courses and ~19 MB of media that does not compress
(random bytes as .jpg/.mp4). A real hub (SQLite, waitress on 127.0.0.1) publishes the signed packs; a
real kiosk fetches them with its own updater (fetch, SHA-256 check, content check, atomic switch).
The whole pack crosses the proxy unthrottled (at 64 kbit/s it would take ~45 minutes), so its
64 kbit/s time is computed from the bytes; the one-lesson updates cross a 64 kbit/s link for real.
"""
from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from .harness import ROOT

LESSONS, PER_COURSE = 200, 50
PACK_TARGET = 20 * 1024 * 1024           # bytes, lessons and media together
RATE = 8000                              # bytes per second each way (the proxy's rate): 64 kbit/s
UPDATES = 3                              # one-lesson updates (v2, v3, v4), each changing another lesson
CHANGED = ["001-course/010-lesson.md", "002-course/020-lesson.md", "003-course/030-lesson.md"]
PACK_ID = "bench-courses"


def run() -> list[tuple[str, str, str]]:
    work = Path(tempfile.mkdtemp(prefix="relais-content-bench-"))
    try:
        return _bench(work)
    finally:
        from kiosk.db import database
        if not database.is_closed():
            database.close()
        shutil.rmtree(work, ignore_errors=True)


def _bench(work: Path) -> list[tuple[str, str, str]]:
    from kiosk.packs import build_pack, keygen

    folder, media = _content_folder(work / "courses")
    private, public, _ = keygen(work / "keys")
    packs, started = {}, time.perf_counter()
    packs[1] = _build(build_pack, folder, work / "v1.zip", private, 1)
    build_seconds = time.perf_counter() - started
    for version, rel in enumerate(CHANGED[:UPDATES], start=2):
        _reword(folder / rel, version)
        packs[version] = _build(build_pack, folder, work / f"v{version}.zip", private, version)

    from .sync_bench import _hub_in_thread
    hub = _hub_in_thread(work, "hub")
    try:
        site = _Site(work, hub, public)
        full = site.deliver(packs[1], rate=None)
        updates = [site.deliver(packs[v], rate=RATE) for v in range(2, 2 + UPDATES)]
    finally:
        hub.stop()
    return _rows(full, updates, build_seconds, media)


# The content.
def _content_folder(root: Path) -> tuple[Path, int]:
    """200 generated lessons in 4 courses, plus incompressible media up to ~20 MB in all."""
    from .generate import generate

    generate(root, LESSONS, per_course=PER_COURSE)
    rng = random.Random(11)
    courses = sorted(p for p in root.iterdir() if p.is_dir())
    text = total = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    number = 0
    while total < PACK_TARGET:
        size = min(rng.randint(300 * 1024, 3 * 1024 * 1024), PACK_TARGET - total)
        suffix = ".mp4" if size > 1024 * 1024 else ".jpg"
        media = courses[number % len(courses)] / "media"
        media.mkdir(exist_ok=True)
        (media / f"media-{number:02d}{suffix}").write_bytes(rng.randbytes(size))
        total, number = total + size, number + 1
    return root, total - text


def _reword(lesson: Path, version: int) -> None:
    """One lesson's text changes: a sentence added to its second step."""
    text = lesson.read_text(encoding="utf-8")
    changed = text.replace("## Étape 2\n\n", f"## Étape 2\n\nUne phrase nouvelle dans la version {version}.\n\n", 1)
    assert changed != text, lesson
    lesson.write_text(changed, encoding="utf-8")


def _build(build_pack, folder: Path, out: Path, private: Path, version: int) -> dict:
    manifest, check = build_pack(folder, out, private, version=version, pack_id=PACK_ID)
    return {"path": out, "version": version, "zip": out.stat().st_size, "unpacked": manifest.total_size,
            "files": len(manifest.files), "lessons": check.lessons, "courses": check.courses}


# The hub and the kiosk.
class _Site:
    """A kiosk (its own updater and meter) enrolled with the hub; each delivery goes through a new proxy."""

    def __init__(self, work: Path, hub, public: Path):
        from kiosk.app import create_app
        from kiosk.db import database
        from kiosk.packs import trust
        from sync.client import enrollment

        content = work / "site" / "content"
        shutil.copytree(ROOT / "content", content)            # the demo courses: a kiosk before any pack
        self.app = create_app({"DATA_DIR": str(work / "kiosk"), "CONTENT_DIR": str(content),
                               "SECRET_KEY": "bench", "SYNC_BACKGROUND": "no", "DEFAULT_LANGUAGE": "fr"})
        self.hub, self.data = hub, Path(self.app.config["DATA_PATH"])
        self.hub_dir = Path(hub.app.config["HUB_CONTENT_DIR"])
        trust(public, self.data)
        trust(public, self.hub_dir)
        with database.connection_context():
            self.link = enrollment.enroll(self.data, hub.url, hub.code())
        self.updates = self.app.extensions["content_updates"]
        self.meter = self.app.extensions["sync_meter"]

    def deliver(self, pack: dict, rate: float | None) -> dict:
        """Publish `pack` on the hub, then let the kiosk fetch and install it through a proxy at `rate`."""
        from kiosk.db import database
        from sync.client.updates.fetch import Fetcher
        from sync.hub import publish as hub_publish
        from sync.packs import registry
        from sync.wire.protocol import encode_offer
        from tests.sync_tests.faultproxy import FaultProxy

        started = time.perf_counter()
        publication = self.hub.query(lambda: hub_publish.publish(pack["path"], self.hub_dir))
        publish_seconds = time.perf_counter() - started
        offer_body = len(self.hub.query(lambda: encode_offer(hub_publish.offer_json(publication))))
        proxy = FaultProxy(self.hub.port, rate=rate)
        try:
            link = type(self.link)(**dict(self.link.__dict__, hub_url=proxy.url))
            fetcher = _Counting(Fetcher(link, timeouts=(10, 60)))
            self.updates.hint({"pack_id": PACK_ID, "version": pack["version"]})   # as an upload's ack would
            with database.connection_context():
                metered = self.meter.used_today()
            installing = _Timed(self.updates.install)
            self.updates.install = installing              # this instance only: to split fetch from install
            started, steps = time.perf_counter(), 0
            while True:
                with database.connection_context():
                    done = self.updates.step(fetcher, self.meter)
                steps += 1
                if done != "more":
                    break
                if steps > 100:
                    raise RuntimeError("the update never finished")
            seconds = time.perf_counter() - started
            if done != "installed":
                raise RuntimeError(f"version {pack['version']} was not installed: {done}, "
                                   f"{self.updates.store.state()['error']}")
            current = registry.current(self.data)
            assert current and current["version"] == pack["version"], current
            with database.connection_context():
                metered = self.meter.used_today() - metered
            return {**pack, "seconds": seconds, "up": proxy.bytes_up, "down": proxy.bytes_down,
                    "wire": proxy.bytes_up + proxy.bytes_down, "metered": metered, "offer": offer_body,
                    "publish_seconds": publish_seconds, "install_seconds": installing.seconds,
                    "files_fetched": len(fetcher.files), "file_bodies": sum(fetcher.files)}
        finally:
            self.updates.__dict__.pop("install", None)
            proxy.stop()


class _Timed:
    """A callable that adds up the seconds spent in `fn`."""

    def __init__(self, fn):
        self.fn, self.seconds = fn, 0.0

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


class _Counting:
    """The kiosk's fetcher, noting the body bytes of every file it fetched."""

    def __init__(self, fetcher):
        self.fetcher, self.files = fetcher, []

    def offer(self, have, installed=None):
        return self.fetcher.offer(have, installed)

    def piece(self, *args, **kwargs):
        piece = self.fetcher.piece(*args, **kwargs)
        self.files.append(piece.body)
        return piece


# The rows.
def _rows(full: dict, updates: list[dict], build_seconds: float, media: int) -> list[tuple[str, str, str]]:
    """MB and KB here are 1024² and 1024 bytes."""
    mb, med = 1024 * 1024, statistics.median
    wire, zip_size, unpacked = full["wire"], full["zip"], full["unpacked"]
    headers = wire - full["offer"] - full["file_bodies"]
    rows = [
        (f"Content: a {unpacked / mb:.1f} MB pack ({full['courses']} courses, {full['lessons']} lessons, "
         f"{full['files']} files, {media / mb:.1f} MB of it incompressible media) — raw size",
         f"zip {zip_size / mb:.2f} MB, unpacked {unpacked / mb:.2f} MB (built and signed in {build_seconds:.1f} s)",
         "—"),
        ("Content: the whole pack, first delivery to a kiosk — bytes on the wire through the proxy "
         "(both ways, headers included)",
         f"{wire / mb:.2f} MB = {wire / zip_size:.3f}× the zip: files {full['file_bodies'] / mb:.2f} MB "
         f"({full['files_fetched']} requests, text gzip'd), offer {full['offer'] / 1024:.1f} KB, "
         f"HTTP headers {headers / 1024:.0f} KB", f"raw size: zip {zip_size / mb:.2f} MB"),
        ("Content: the whole pack at 64 kbit/s — COMPUTED from the bytes on the wire ÷ 8,000 B/s, not measured",
         f"{wire / RATE / 60:.1f} min", f"the zip alone: {zip_size / RATE / 60:.1f} min"),
        ("Content: the whole pack over loopback, unthrottled (kiosk CPU and disk cost) — fetch + SHA-256 "
         "check + content check + hard links or copies + switch, wall time",
         f"{full['seconds']:.1f} s, of which install {full['install_seconds']:.1f} s",
         f"hub: publish {full['publish_seconds']:.1f} s"),
    ]
    runs = (f"median of {len(updates)} (v2…v{1 + len(updates)}, each changing another lesson)"
            if len(updates) > 1 else "one run")
    wires, times = [u["wire"] for u in updates], [u["seconds"] for u in updates]
    rows += [
        (f"Content: a one-lesson update at 64 kbit/s through the proxy, MEASURED — wall time, {runs}",
         f"{med(times):.1f} s, of which install {med(u['install_seconds'] for u in updates):.1f} s "
         f"(runs: {', '.join(f'{t:.1f}' for t in times)} s)", "—"),
        (f"Content: the one-lesson update — bytes on the wire (both ways, headers included), {runs}",
         f"{med(wires) / 1024:.1f} KB: offer (signed manifest of {updates[0]['files']} files, gzip'd) "
         f"{med(u['offer'] for u in updates) / 1024:.1f} KB, {med(u['files_fetched'] for u in updates):.0f} "
         f"file fetched {med(u['file_bodies'] for u in updates) / 1024:.1f} KB, HTTP headers "
         f"{med(u['wire'] - u['offer'] - u['file_bodies'] for u in updates) / 1024:.1f} KB", "—"),
        (f"Content: the one-lesson update's wire bytes ÷ the pack's zip, {runs}",
         f"{100 * med(u['wire'] / u['zip'] for u in updates):.2f} % (÷ unpacked size: "
         f"{100 * med(u['wire'] / u['unpacked'] for u in updates):.2f} %)", "goal < 1 %"),
        ("Content: the kiosk's budget meter ÷ the bytes the proxy counted",
         f"whole pack {100 * full['metered'] / wire:.1f} %, one-lesson update "
         f"{100 * med(u['metered'] / u['wire'] for u in updates):.1f} %", "— (the meter counts the request, status and header lines it sends and reads)"),
    ]
    return rows


if __name__ == "__main__":
    for figure, measured, goal in run():
        print(f"| {figure} | {measured} | {goal} |")
