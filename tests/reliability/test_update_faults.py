"""A course update over a link that cuts, and a kiosk killed mid-download: it ends with exactly v2.

100 rounds. In each, the fault proxy cuts the hub's answer at a random offset; every tenth round the
download runs in a real `run.py update-content` process, killed with SIGKILL part-way. After every
round the learners are served exactly v1 or exactly v2, file for file, never a mix.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.db import database
from kiosk.packs import build_pack, keygen
from sync.client.updates.fetch import FetchError
from tests.conftest import DEMO_CONTENT, ROOT
from tests.sync_tests.conftest import HubServer, enroll_kiosk
from tests.sync_tests.faultproxy import Fault, FaultProxy
from tests.sync_tests.test_content_updates import RecordingFetcher, Site

pytestmark = pytest.mark.slow
ROUNDS = 100
KILL_EVERY = 10
MEDIA = 7                           # files of 512 KB that do not compress: 3.5 MB to fetch for v2


@pytest.fixture
def sqlite_hub(tmp_path):
    server = HubServer({"HUB_DATA_DIR": str(tmp_path / "hub"), "SECRET_KEY": "hub-test"})
    yield server
    server.stop()


def make_packs(root: Path) -> dict:
    private, public, _ = keygen(root / "keys")
    packs = {1: root / "v1.zip", 2: root / "v2.zip"}
    build_pack(DEMO_CONTENT, packs[1], private, version=1, pack_id="demo")
    v2 = root / "v2"
    shutil.copytree(DEMO_CONTENT, v2)
    rng = random.Random(5)
    for n in range(MEDIA):
        (v2 / "02-job-search-online" / f"interview-{n}.mp4").write_bytes(rng.randbytes(512 * 1024))
    lesson = v2 / "02-job-search-online" / "02-your-cv.md"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("CV", "résumé", 2), encoding="utf-8")
    build_pack(v2, packs[2], private, version=2, pack_id="demo")
    return {"private": private, "public": public, "packs": packs, "root": root}


def test_a_hundred_cuts_and_kills_end_with_exactly_v2(make_app, tmp_path, sqlite_hub):
    publisher = make_packs(tmp_path / "publisher")
    content = tmp_path / "site" / "content"
    shutil.copytree(DEMO_CONTENT, content)
    app = make_app(content, SYNC_BACKGROUND="no")
    proxy = FaultProxy(sqlite_hub.port)
    rng = random.Random(2026)
    try:
        site = Site(app, sqlite_hub, publisher, proxy)
        # The kiosk's own link goes through the proxy, so the child processes use it too.
        enroll_path = Path(app.config["DATA_PATH"]) / "sync.json"
        enroll_path.unlink()
        site.link = enroll_kiosk(app, proxy.url, sqlite_hub.code())
        site.fetcher = RecordingFetcher(site.link, timeouts=(2, 2))
        site.publish(1)
        assert site.run() == "installed"
        v1, v2 = site.served(), None
        site.publish(2)
        site.updates.hinted = True
        cuts = kills = 0
        for round_number in range(1, ROUNDS + 1):
            if round_number % KILL_EVERY == 0:
                kills += kill_mid_download(app, proxy, rng)
                site.updates.store.update_state(last_check=time.time())      # read from disk, as after a restart
            else:
                site.fetcher.http.close()             # a new connection takes the next fault
                proxy.add(Fault("cut_down", rng.randint(1, 64 * 1024)))
                try:
                    site.step(seconds=30)
                except FetchError:
                    cuts += 1
            served = site.served()
            expected_v2 = site.expected(2)
            assert served in (v1, expected_v2), f"round {round_number}: a mix of versions is served"
            v2 = v2 or (served == expected_v2 and round_number)
        print(f"{cuts} cuts, {kills} kills, v2 served from round {v2 or 'none'}")
        assert cuts >= 60 and kills >= 5
        assert not v2 or v2 > 50, "the cuts should have kept the download going most of the test"
        final = site.run()                            # the link heals
        assert final in ("installed", "idle")
        assert site.served() == site.expected(2)
        with database.connection_context():
            assert site.updates.status(site.meter)["current"]["version"] == 2
        leftovers = [p.name for p in content.parent.iterdir() if p.name.startswith(".")]
        assert leftovers == [] and not list(site.updates.store.blobs.glob("*"))
    finally:
        proxy.stop()


def kill_mid_download(app, proxy: FaultProxy, rng: random.Random) -> int:
    """Run `update-content` in a real process on a slower link and SIGKILL it part-way; 1 if it was killed."""
    proxy.rate = 150_000
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RELAIS_DEFAULT_LANGUAGE": "fr"}
    child = subprocess.Popen([sys.executable, "run.py", "update-content", "--data", str(app.config["DATA_PATH"]),
                              "--content", str(app.config["CONTENT_DIR"])], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(rng.uniform(0.8, 2.5))
        killed = child.poll() is None
        if killed:
            child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        proxy.rate = None
    return int(killed)
