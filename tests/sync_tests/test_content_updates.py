"""Courses reach a kiosk from the hub over a thin link: only what changed, resumable, signed, within budget."""
from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import time
from pathlib import Path

import pytest

from kiosk.db import database
from kiosk.packs import build_pack, keygen, trust
from sync.client.meter import Meter
from sync.client.updates import ContentUpdates
from sync.client.updates.fetch import Fetcher, FetchError
from sync.hub.models import Publication
from sync.hub.publish import blob_path, publish
from tests.conftest import DEMO_CONTENT, SMALL_COURSE, write_tree
from tests.sync_tests.conftest import enroll_kiosk
from tests.sync_tests.faultproxy import FaultProxy

CHANGED = "02-job-search-online/02-your-cv.md"


def demo_v2(root: Path) -> Path:
    """The demo courses with one lesson reworded and another lesson renamed (same text, same lesson id)."""
    folder = root / "demo-v2"
    shutil.copytree(DEMO_CONTENT, folder)
    lesson = folder / CHANGED
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("CV", "résumé", 2), encoding="utf-8")
    course = folder / "04-people-skills-at-work"
    for suffix in (".md", ".fr.md"):
        (course / f"03-organising-your-time{suffix}").rename(course / f"03-managing-your-time{suffix}")
    return folder


class RecordingFetcher(Fetcher):
    """The real fetcher, noting which files it asked the hub for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked = []

    def piece(self, name, *args, **kwargs):
        self.asked.append(name)
        return super().piece(name, *args, **kwargs)


@pytest.fixture(scope="module")
def publisher(tmp_path_factory):
    root = tmp_path_factory.mktemp("publisher")
    private, public, _ = keygen(root / "keys")
    stranger, _, _ = keygen(root / "stranger")
    packs = {1: root / "demo-v1.zip", 2: root / "demo-v2.zip", "stranger": root / "stranger.zip"}
    build_pack(DEMO_CONTENT, packs[1], private, version=1, pack_id="demo")
    build_pack(demo_v2(root), packs[2], private, version=2, pack_id="demo")
    build_pack(DEMO_CONTENT, packs["stranger"], stranger, version=3, pack_id="demo")
    return {"private": private, "public": public, "packs": packs, "root": root}


class Site:
    """A kiosk enrolled with a hub (through a fault proxy), with its content updater and meter."""

    def __init__(self, app, hub, publisher, proxy: FaultProxy, meter: Meter | None = None):
        self.app, self.hub, self.publisher, self.proxy = app, hub, publisher, proxy
        self.data, self.content = Path(app.config["DATA_PATH"]), Path(app.config["CONTENT_DIR"])
        trust(publisher["public"], self.data)
        trust(publisher["public"], Path(hub.app.config["HUB_CONTENT_DIR"]))
        link = enroll_kiosk(app, hub.url, hub.code())
        self.link = type(link)(**dict(link.__dict__, hub_url=proxy.url))
        self.meter = meter or app.extensions["sync_meter"]
        self.updates: ContentUpdates = app.extensions["content_updates"]
        self.fetcher = RecordingFetcher(self.link, timeouts=(2, 2))

    def publish(self, which, targets=None):
        return self.hub.query(lambda: publish(self.publisher["packs"][which],
                                              Path(self.hub.app.config["HUB_CONTENT_DIR"]), targets))

    def step(self, **kwargs) -> str:
        with database.connection_context():
            return self.updates.step(self.fetcher, self.meter, **kwargs)

    def run(self, limit: int = 200) -> str:
        for _ in range(limit):
            done = self.step()
            if done != "more":
                return done
        raise AssertionError("the update never finished")

    def served(self) -> dict:
        """path -> SHA-256 of every file the learners are served now."""
        root = self.content.resolve()
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file()}

    def expected(self, which) -> dict:
        import zipfile
        with zipfile.ZipFile(self.publisher["packs"][which]) as archive:
            manifest = json.loads(archive.read("manifest.json"))
        return {f["path"]: f["sha256"] for f in manifest["files"]}


@pytest.fixture
def site(make_app, tmp_path, sqlite_hub, publisher):
    content = write_tree(tmp_path / "site" / "content", SMALL_COURSE)
    app = make_app(content, SYNC_BACKGROUND="no")
    proxy = FaultProxy(sqlite_hub.port)
    yield Site(app, sqlite_hub, publisher, proxy)
    proxy.stop()


def test_a_kiosk_gets_v1_then_only_the_changed_lesson_of_v2(site, capsys):
    site.publish(1)
    assert site.run() == "installed"
    assert site.served() == site.expected(1)
    v1_bytes = site.proxy.bytes_down
    pack_bytes = site.publisher["packs"][2].stat().st_size

    site.publish(2)
    site.updates.hint({"pack_id": "demo", "version": 2})     # what the next upload's acknowledgement says
    before, site.fetcher.asked = site.proxy.bytes_down, []
    assert site.run() == "installed"
    assert site.served() == site.expected(2)
    delta = site.proxy.bytes_down - before
    changed = (site.content.resolve() / CHANGED).read_bytes()
    # Only the reworded lesson travelled, gzip'd; the renamed lesson was copied from the kiosk's own files.
    assert site.fetcher.asked == [hashlib.sha256(changed).hexdigest() + ".gz"]
    manifest = site.hub.query(lambda: Publication.get(version=2).manifest).encode()
    with capsys.disabled():
        print(f"\nv1: {v1_bytes} B on the wire; v2 (one lesson changed, one renamed): {delta} B = "
              f"{100 * delta / pack_bytes:.1f} % of the {pack_bytes} B pack (the lesson: {len(changed)} B, "
              f"{len(gzip.compress(changed))} B gzip'd; the manifest: {len(manifest)} B, "
              f"{len(gzip.compress(manifest))} B gzip'd)")
    assert delta < len(gzip.compress(changed)) + len(gzip.compress(manifest)) + 2500     # + HTTP headers
    with database.connection_context():
        assert site.meter.used_today() >= v1_bytes + delta - 2048     # the meter counts what crossed


def test_the_running_kiosk_serves_the_new_courses_after_the_switch(site):
    client = site.app.test_client()
    assert client.get("/healthz").get_json()["courses"] == 1          # the small hand-made folder
    site.publish(1)
    assert site.run() == "installed"
    time.sleep(2.1)                               # the app looks at the content link every 2 s
    client.get("/healthz")                        # this request notices the switch and re-indexes
    health = client.get("/healthz").get_json()
    courses = [folder for folder in DEMO_CONTENT.iterdir() if (folder / "course.yml").exists()]
    lessons = [md for folder in courses for md in folder.glob("[0-9]*.md") if md.suffixes == [".md"]]
    assert (health["courses"], health["lessons"]) == (len(courses), len(lessons))


def test_a_file_changed_on_the_hub_is_refused_and_the_old_courses_keep_serving(site):
    site.publish(1)
    assert site.run() == "installed"
    site.publish(2)
    hub_dir = Path(site.hub.app.config["HUB_CONTENT_DIR"])
    offer = site.hub.query(lambda: Publication.get(version=2))
    new_shas = set(json.loads(offer.blobs)) - set(site.expected(1).values())
    for sha in new_shas:                          # someone edits the hub's copy of the changed lesson
        for gz in (False, True):
            path = blob_path(hub_dir, sha, gz)
            if path.exists():
                path.write_bytes(path.read_bytes()[:-8] + b"tampered")
    site.updates.hinted = True
    with pytest.raises(FetchError):
        site.run()
    assert site.step() == "stopped"
    assert site.served() == site.expected(1)
    page = _facilitator_page(site)
    assert "damaged" in page and "SHA-256" in page and "hub" in page


def test_a_pack_signed_by_a_key_the_kiosk_does_not_trust_is_refused_with_the_reason(site):
    trust(site.publisher["root"] / "stranger" / "relais-pack.pub", Path(site.hub.app.config["HUB_CONTENT_DIR"]))
    before = site.served()
    site.publish("stranger")
    assert site.run() == "stopped"
    assert site.served() == before and "01-basics/course.yml" in before      # still the hand-made folder
    assert not (site.data / "packs" / "installed.json").exists()
    assert site.fetcher.asked == []               # not one file was fetched for it
    page = _facilitator_page(site)
    assert "refused" in page and "does not trust" in page


def test_a_pack_for_another_centre_is_not_offered(site):
    site.publish(1, targets=["Another centre"])
    assert site.run() == "idle"
    site.publish(2, targets=["Centre social Belleville"])
    site.updates.hint({"pack_id": "demo", "version": 2})
    assert site.run() == "installed"


def test_a_daily_budget_stops_the_download_and_it_resumes_the_next_day(make_app, tmp_path, sqlite_hub, publisher):
    big = write_tree(tmp_path / "big", SMALL_COURSE)
    (big / "01-basics" / "video.mp4").write_bytes(bytes(range(256)) * 12 * 1024)      # 3 MB, sent as is
    private = publisher["private"]
    build_pack(big, tmp_path / "big.zip", private, version=5, pack_id="big")
    publisher = dict(publisher, packs={**publisher["packs"], "big": tmp_path / "big.zip"})
    clock = [time.mktime((2026, 11, 30, 21, 0, 0, 0, 0, -1))]
    content = write_tree(tmp_path / "site" / "content", SMALL_COURSE)
    app = make_app(content, SYNC_BACKGROUND="no")
    proxy = FaultProxy(sqlite_hub.port)
    try:
        site = Site(app, sqlite_hub, publisher, proxy, meter=Meter(1024 * 1024, None, lambda: clock[0]))
        site.updates.clock = lambda: clock[0]
        site.publish("big")
        days = 0
        while True:
            done = site.run()
            with database.connection_context():
                used = site.meter.used_today()
            assert used <= 1024 * 1024, "the budget is a ceiling"
            if done == "installed":
                break
            assert done == "waiting" and used >= 0.85 * 1024 * 1024      # it used the day's budget
            days += 1
            clock[0] += 86400                       # tomorrow
        assert days == 3                            # 3 MB at 0.9 MB a day (0.1 MB kept for uploads)
        assert site.served() == site.expected("big")
    finally:
        proxy.stop()


def test_outside_the_time_window_nothing_is_fetched(site):
    clock = [time.mktime((2026, 11, 30, 12, 0, 0, 0, 0, -1))]
    site.meter = Meter(0, (20 * 60, 7 * 60), lambda: clock[0])
    site.publish(1)
    assert site.run() == "waiting"
    with database.connection_context():
        assert site.meter.seconds_until_open() == 8 * 3600
    clock[0] += 9 * 3600                            # 21:00
    assert site.run() == "installed"


def test_pause_stops_the_download_and_resume_finishes_it(site):
    site.publish(1)
    site.updates.pause()
    assert site.run() == "paused"
    site.updates.resume()
    assert site.run() == "installed"


def test_the_updates_page_shows_the_offer_progress_and_data_used(site):
    site.publish(1)
    with database.connection_context():
        site.updates.check(site.fetcher, site.meter)
    page = _facilitator_page(site)
    assert "demo, version 1" in page and "Still to fetch" in page and "Data used by sync today" in page
    assert "Pause the download" in page


def test_a_facilitator_sets_the_daily_budget_and_hours_on_the_page(site, make_app):
    staff = _signed_in(site)
    bad = staff.post("/facilitator/updates/link", {"budget": "a lot", "window_from": "20:00", "window_to": ""},
                     token_from="/facilitator/updates/")
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "mégaoctets" in text.lower() or "megabytes" in text.lower()
    assert site.meter.budget == 0 and site.meter.window is None             # nothing saved
    saved = staff.post("/facilitator/updates/link", {"budget": "1,5", "window_from": "20:00",
                                                      "window_to": "07:00"}, token_from="/facilitator/updates/")
    assert saved.status_code == 302
    assert (site.meter.budget, site.meter.window) == (int(1.5 * 1024 * 1024), (20 * 60, 7 * 60))
    again = make_app(Path(site.app.config["CONTENT_DIR"]), SYNC_BACKGROUND="no")      # a restart keeps them
    assert (again.extensions["sync_meter"].budget, again.extensions["sync_meter"].window) == \
        (int(1.5 * 1024 * 1024), (20 * 60, 7 * 60))
    page = staff.client.get("/facilitator/updates/").get_data(as_text=True)
    assert 'value="20:00"' in page and 'value="07:00"' in page


def _signed_in(site):
    from kiosk.facilitators import create as create_facilitator
    from tests.conftest import Learners

    with database.connection_context():
        create_facilitator("Samia", "correct horse battery")
    staff = Learners(site.app.test_client())
    staff.post("/facilitator/login", {"name": "Samia", "password": "correct horse battery"},
               token_from="/facilitator/login")
    return staff


def _facilitator_page(site) -> str:
    # From the facilitator's own phone, in English (the kiosk's own screen would greet in its language).
    page = _signed_in(site).client.get("/facilitator/updates/", headers={"Accept-Language": "en"},
                                       environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_an_empty_file_in_a_pack_arrives_without_asking_the_hub(make_app, tmp_path, sqlite_hub, publisher):
    folder = write_tree(tmp_path / "with-empty", SMALL_COURSE)
    (folder / "01-basics" / "notes.txt").write_bytes(b"")
    build_pack(folder, tmp_path / "empty.zip", publisher["private"], version=7, pack_id="small")
    content = write_tree(tmp_path / "site" / "content", {"01-other/course.yml": SMALL_COURSE["01-basics/course.yml"]
                                                         .replace("basics", "other"), "01-other/01-a.md": "# A\n"})
    app = make_app(content, SYNC_BACKGROUND="no")
    proxy = FaultProxy(sqlite_hub.port)
    try:
        site = Site(app, sqlite_hub, dict(publisher, packs={"empty": tmp_path / "empty.zip"}), proxy)
        site.publish("empty")
        assert site.run() == "installed"
        assert site.served()["01-basics/notes.txt"] == hashlib.sha256(b"").hexdigest()
        assert hashlib.sha256(b"").hexdigest() not in " ".join(site.fetcher.asked)
    finally:
        proxy.stop()


def test_the_hub_knows_which_courses_each_kiosk_serves(site):
    from sync.hub.reports import kiosk_page
    from sync.hub.scopes import NATIONAL

    def served_as_the_hub_sees_it():
        row = next(k for k in site.hub.query(lambda: kiosk_page(NATIONAL).rows) if k["id"] == site.link.kiosk_id)
        return row["content"] and row["content"].installed

    assert served_as_the_hub_sees_it() is None                 # never asked yet
    site.publish(1)
    assert site.run() == "installed"
    assert served_as_the_hub_sees_it() is None                 # it asked while serving its own courses
    site.updates.hinted = True
    assert site.run() == "idle"
    assert served_as_the_hub_sees_it() == "demo.v1"
