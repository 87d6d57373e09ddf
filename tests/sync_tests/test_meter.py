"""A metered link: a daily byte budget and a time window, shared by progress uploads and course downloads.

Days and windows follow the kiosk's local clock, injected here so a test can move to tonight or tomorrow.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from kiosk import syncing as kiosk_app
from kiosk.db import database
from kiosk.packs import build_pack, keygen, trust
from kiosk.packs.install import installer
from sync.client import outbox
from sync.client.meter import MB, Meter, TransferDay, parse_window
from sync.client.updates import ContentUpdates
from sync.client.uploader import Uploader
from sync.client.worker import SyncWorker
from sync.hub.publish import publish
from sync.packs import registry
from tests.conftest import SMALL_COURSE, write_tree
from tests.sync_tests.conftest import enroll_kiosk


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0) -> float:
    """A moment on the kiosk's local clock."""
    return time.mktime((year, month, day, hour, minute, second, 0, 0, -1))


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- the time window --------------------------------------------------------------------------------------

def test_a_window_is_read_as_minutes_after_midnight():
    assert parse_window("20:00-07:00") == (20 * 60, 7 * 60)
    assert parse_window("8:30-17:00") == (8 * 60 + 30, 17 * 60)
    assert parse_window(" 08:30 - 17:00 ") == (8 * 60 + 30, 17 * 60)
    assert parse_window("07:00-24:00") == (7 * 60, 24 * 60)
    assert parse_window("") is None and parse_window("   ") is None


@pytest.mark.parametrize("text, message", [
    ("8h-17h", "SYNC_WINDOW must look like 20:00-07:00, not '8h-17h'"),
    ("20:00", "SYNC_WINDOW must look like 20:00-07:00, not '20:00'"),
    ("20:00-07:00-09:00", "must look like 20:00-07:00"),
    ("25:00-07:00", "SYNC_WINDOW has an impossible time: '25:00-07:00'"),
    ("20:00-07:60", "SYNC_WINDOW has an impossible time: '20:00-07:60'"),
    ("20:00-25:00", "impossible time"),
])
def test_an_unreadable_window_is_refused_with_a_clear_message(text, message):
    with pytest.raises(ValueError) as refused:
        parse_window(text)
    assert message in str(refused.value)


def test_an_end_past_midnight_is_an_impossible_time():
    with pytest.raises(ValueError, match="impossible time"):
        parse_window("20:00-24:30")


def test_a_window_across_midnight_is_open_at_night_only():
    clock = Clock(at(2026, 3, 14, 12))
    meter = Meter(window=parse_window("20:00-07:00"), clock=clock)
    for (hour, minute), open_ in {(19, 59): False, (20, 0): True, (23, 59): True, (0, 0): True, (6, 59): True,
                                  (7, 0): False, (12, 0): False}.items():
        clock.now = at(2026, 3, 14, hour, minute)
        assert meter.in_window() is open_, f"{hour:02}:{minute:02}"


def test_a_window_within_a_day_is_open_from_its_start_until_its_end():
    clock = Clock(at(2026, 3, 14, 12))
    meter = Meter(window=parse_window("8:30-17:00"), clock=clock)
    for (hour, minute), open_ in {(0, 0): False, (8, 29): False, (8, 30): True, (12, 0): True, (16, 59): True,
                                  (17, 0): False, (23, 0): False}.items():
        clock.now = at(2026, 3, 14, hour, minute)
        assert meter.in_window() is open_, f"{hour:02}:{minute:02}"
    assert Meter(clock=clock).in_window()                       # no window: any time


# --- counting bytes ---------------------------------------------------------------------------------------

def test_bytes_are_counted_per_local_day_and_per_month(kiosk):
    clock = Clock(at(2026, 1, 30, 9))
    meter = Meter(budget=MB, clock=clock)
    with database.connection_context():
        meter.record(up=1000, down=500)
        clock.now = at(2026, 1, 31, 0, 1)                       # just after midnight: a new day
        assert meter.used_today() == 0
        meter.record(up=300)
        meter.record(down=200)
        meter.record()                                          # nothing crossed: no row either
        clock.now = at(2026, 1, 31, 23, 59)
        assert (meter.used_today(), meter.used_this_month()) == (500, 2000)
        row = TransferDay.get(TransferDay.day == "2026-01-31")
        assert (row.up, row.down) == (300, 200)

        clock.now = at(2026, 2, 1, 0, 0, 30)                    # a new month
        assert (meter.used_today(), meter.used_this_month()) == (0, 0)
        meter.record(down=70)
        assert (meter.used_today(), meter.used_this_month()) == (70, 70)
        clock.now = at(2027, 1, 5)                              # January again, a year later
        assert meter.used_this_month() == 0
        assert TransferDay.select().count() == 3


def test_the_budget_left_today_resets_at_midnight(kiosk):
    clock = Clock(at(2026, 6, 1, 22))
    meter = Meter(budget=1000, clock=clock)
    with database.connection_context():
        assert meter.left_today() == 1000
        meter.record(up=300)
        assert meter.left_today() == 700
        meter.record(down=900)
        assert meter.left_today() == 0                          # overspent: never negative
        clock.now = at(2026, 6, 2, 0, 0, 1)
        assert meter.left_today() == 1000
        assert Meter(budget=0, clock=clock).left_today() is None     # no budget


def test_downloads_leave_a_tenth_of_the_budget_for_uploads(kiosk):
    clock = Clock(at(2026, 6, 1, 10))
    meter = Meter(budget=10 * MB, clock=clock)
    with database.connection_context():
        assert meter.download_allowance() == 9 * MB
        meter.record(down=2 * MB)
        assert meter.download_allowance() == 7 * MB
        meter.record(down=int(7.5 * MB))                        # 0.5 MB left: the uploads' reserve only
        assert meter.download_allowance() == 0 and meter.left_today() == MB // 2
        assert meter.upload_allowed()                           # progress still goes out
        meter.record(up=MB // 2)
        assert not meter.upload_allowed()
        assert Meter(clock=clock).download_allowance() is None      # no budget, no window: no limit


def test_nothing_may_cross_outside_the_window_whatever_the_budget(kiosk):
    clock = Clock(at(2026, 6, 1, 12))
    with database.connection_context():
        for meter in (Meter(window=(20 * 60, 7 * 60), clock=clock), Meter(10 * MB, (20 * 60, 7 * 60), clock)):
            assert meter.download_allowance() == 0 and not meter.upload_allowed()
        clock.now = at(2026, 6, 1, 21)
        assert Meter(window=(20 * 60, 7 * 60), clock=clock).download_allowance() is None


def test_seconds_until_open_waits_for_the_window_or_for_tomorrow(kiosk):
    clock = Clock(at(2026, 6, 1, 12))
    night = Meter(budget=1000, window=(20 * 60, 7 * 60), clock=clock)
    with database.connection_context():
        assert night.seconds_until_open() == 8 * 3600           # 12:00 -> 20:00
        clock.now = at(2026, 6, 1, 6, 30)
        assert night.seconds_until_open() == 0                  # open, budget left
        clock.now = at(2026, 6, 1, 7, 0, 0)
        assert night.seconds_until_open() == 13 * 3600          # just closed

        clock.now = at(2026, 6, 1, 22)
        night.record(up=1000)                                   # spent in the window: wait for midnight
        assert night.seconds_until_open() == 2 * 3600
        clock.now = at(2026, 6, 1, 10)
        assert night.seconds_until_open() == 14 * 3600          # the window opens at 20:00, but still spent: midnight

        daily = Meter(budget=1000, clock=clock)                 # no window
        assert daily.seconds_until_open() == 14 * 3600


def test_a_spent_budget_before_a_day_window_opens_waits_for_tomorrows_window(kiosk):
    clock = Clock(at(2026, 6, 1, 7, 30))
    meter = Meter(budget=1000, window=parse_window("08:00-17:00"), clock=clock)
    with database.connection_context():
        meter.record(up=1000)                                   # spent today, before the window opens
        assert meter.seconds_until_open() == 24 * 3600 + 30 * 60     # tomorrow 08:00


# --- uploads within the budget ----------------------------------------------------------------------------

@pytest.fixture
def link(kiosk, sqlite_hub):
    return enroll_kiosk(kiosk, sqlite_hub.url, sqlite_hub.code())


def today_noon() -> float:
    now = time.localtime()
    return at(now.tm_year, now.tm_mon, now.tm_mday, 12)


@pytest.mark.parametrize("closed", ["budget spent", "outside the window"])
def test_an_enforcing_uploader_sends_nothing_when_the_link_is_closed(closed, link, classroom, sqlite_hub):
    classroom.study(classroom.join("Awa"), 5)
    waiting = classroom.waiting()
    clock = Clock(today_noon())
    if closed == "budget spent":
        meter = Meter(budget=20_000, clock=clock)
        with database.connection_context():
            meter.record(down=20_000)
    else:
        meter = Meter(window=parse_window("20:00-07:00"), clock=clock)
    with database.connection_context():
        used = meter.used_today()

    outcome = Uploader(link, meter=meter, enforce=True).push()
    assert (outcome.ok, outcome.error, outcome.sent, outcome.bytes) == (False, "budget", 0, 0)
    assert "budget" in outcome.detail and not outcome.permanent
    assert sqlite_hub.event_ids() == [] and classroom.waiting() == waiting
    with database.connection_context():
        assert meter.used_today() == used                       # not a byte crossed


def test_an_enforcing_uploader_sends_and_counts_while_the_budget_allows(link, classroom, sqlite_hub):
    classroom.study(classroom.join("Awa"), 8)
    meter = Meter(budget=MB, window=parse_window("00:00-24:00"), clock=Clock(today_noon()))
    outcome = Uploader(link, meter=meter, enforce=True).push()
    assert outcome.ok and outcome.sent == len(classroom.outbox_ids()) > 0
    assert sorted(sqlite_hub.event_ids()) == sorted(classroom.outbox_ids())
    with database.connection_context():
        day = TransferDay.get()
    assert day.up > outcome.bytes > 0                           # the bodies, and the headers
    assert day.down > 0                                         # the acknowledgements


def test_an_uploader_that_does_not_enforce_sends_anyway_and_counts(link, classroom, sqlite_hub):
    classroom.study(classroom.join("Awa"), 5)
    meter = Meter(budget=1000, clock=Clock(today_noon()))
    with database.connection_context():
        meter.record(up=1000)
    outcome = Uploader(link, meter=meter, enforce=False).push()
    assert outcome.ok and classroom.waiting() == 0
    assert sorted(sqlite_hub.event_ids()) == sorted(classroom.outbox_ids())
    with database.connection_context():
        assert meter.used_today() > 1000 + outcome.bytes


# --- the background sync: progress first, then courses --------------------------------------------------------

NEW_LESSON = "01-basics/03-new-lesson.md"


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """Version 1 of the small course with one more lesson, signed by a publisher."""
    root = tmp_path_factory.mktemp("meter-publisher")
    private, public, _ = keygen(root / "keys")
    folder = write_tree(root / "course", {**SMALL_COURSE, NEW_LESSON: "# New lesson\n\n## Step\n\nFresh from the hub.\n"})
    build_pack(folder, root / "basics-v1.zip", private, version=1, pack_id="basics")
    return {"zip": root / "basics-v1.zip", "public": public}


class WatchedUpdates(ContentUpdates):
    """The real content updates, noting what the kiosk and the hub held each time a content turn began."""

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub, self.seen = hub, []

    def step(self, fetcher, meter, **kwargs):
        self.seen.append({"waiting": outbox.pending_count(), "on_hub": len(self.hub.event_ids())})
        return super().step(fetcher, meter, **kwargs)


@pytest.fixture
def publishing(kiosk, sqlite_hub, pack, link):
    """The publisher's key trusted by the hub and the kiosk, and version 1 published for every kiosk."""
    hub_dir = Path(sqlite_hub.app.config["HUB_CONTENT_DIR"])
    trust(pack["public"], hub_dir)
    trust(pack["public"], Path(kiosk.config["DATA_PATH"]))
    sqlite_hub.query(lambda: publish(pack["zip"], hub_dir))
    data, content = Path(kiosk.config["DATA_PATH"]), Path(kiosk.config["CONTENT_DIR"])
    return WatchedUpdates(data, content, installer(content, data, "fr"), hub=sqlite_hub)


def test_a_sync_turn_sends_progress_first_then_installs_the_published_courses(kiosk, classroom, sqlite_hub,
                                                                               publishing):
    classroom.study(classroom.join("Awa"), 6)
    events = classroom.outbox_ids()
    meter = Meter(budget=10 * MB, clock=Clock(today_noon()))
    worker = SyncWorker(Path(kiosk.config["DATA_PATH"]), meter=meter, updates=publishing)
    worker.turn()

    assert publishing.seen and publishing.seen[0] == {"waiting": 0, "on_hub": len(events)}   # uploads went first
    assert worker.last_outcome.ok and worker.last_outcome.content == {"pack_id": "basics", "version": 1}
    current = registry.current(Path(kiosk.config["DATA_PATH"]))
    assert (current["pack_id"], current["version"]) == ("basics", 1)
    served = Path(kiosk.config["CONTENT_DIR"]).resolve()
    assert (served / NEW_LESSON).read_text(encoding="utf-8").startswith("# New lesson")
    with database.connection_context():
        assert 0 < meter.used_today() < 10 * MB                     # the turn's bytes were counted
    assert publishing.store.offer() is None                         # the download folder is done with

    worker.turn()                                                   # nothing new: nothing to do again
    assert publishing.store.offer() is None and publishing.store.state()["error"] is None
    assert registry.current(Path(kiosk.config["DATA_PATH"]))["version"] == 1


def test_a_spent_budget_stops_the_whole_turn(kiosk, classroom, sqlite_hub, publishing):
    classroom.study(classroom.join("Awa"), 4)
    waiting = classroom.waiting()
    meter = Meter(budget=50_000, clock=Clock(today_noon()))
    with database.connection_context():
        meter.record(down=50_000)
    worker = SyncWorker(Path(kiosk.config["DATA_PATH"]), meter=meter, updates=publishing)
    worker.turn()
    assert classroom.waiting() == waiting and sqlite_hub.event_ids() == []
    assert publishing.seen == [] and registry.current(Path(kiosk.config["DATA_PATH"])) is None
    with database.connection_context():
        assert meter.used_today() == 50_000
    assert worker._round() == 3600                              # asleep an hour at a time until midnight


def test_a_download_held_by_the_upload_reserve_does_not_wake_the_worker_every_second(kiosk, sqlite_hub,
                                                                                       publishing):
    meter = Meter(budget=MB, clock=Clock(today_noon()))
    with database.connection_context():
        meter.record(down=MB - MB // 20)                        # half of the uploads' reserve is left
        assert meter.download_allowance() == 0 and meter.upload_allowed()
    worker = SyncWorker(Path(kiosk.config["DATA_PATH"]), interval=60, meter=meter, updates=publishing)
    publishing.hinted = True
    wait = worker._round()
    assert publishing.store.offer() is not None                 # the offer is known, its files wait
    assert wait >= worker.interval


# --- the kiosk's settings -------------------------------------------------------------------------------------

def sync_errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "relais.sync" and r.levelno >= logging.ERROR]


def test_an_unreadable_sync_window_is_ignored_loudly_and_sync_runs_at_any_time(make_app, content_dir, caplog):
    with caplog.at_level(logging.ERROR, logger="relais.sync"):
        app = make_app(content_dir, SYNC_BACKGROUND="no", SYNC_WINDOW="8h-17h", SYNC_DAILY_BUDGET_MB="2.5")
    meter = app.extensions["sync_meter"]
    assert meter.window is None and meter.in_window()
    assert meter.budget == int(2.5 * MB)                        # the rest of the settings still apply
    assert sync_errors(caplog) == ["SYNC_WINDOW must look like 20:00-07:00, not '8h-17h'; "
                                   "syncing at any time until it is corrected"]

    caplog.clear()
    app.config["SYNC_WINDOW"] = "25:00-07:00"
    with caplog.at_level(logging.ERROR, logger="relais.sync"):
        assert kiosk_app.meter(app).window is None
    assert sync_errors(caplog) == ["SYNC_WINDOW has an impossible time: '25:00-07:00'; "
                                   "syncing at any time until it is corrected"]


def test_the_window_and_budget_come_from_the_settings_or_the_environment(make_app, content_dir, caplog,
                                                                          monkeypatch):
    with caplog.at_level(logging.ERROR, logger="relais.sync"):
        app = make_app(content_dir, SYNC_BACKGROUND="no", SYNC_WINDOW="20:00-07:00")
        assert (app.extensions["sync_meter"].window, app.extensions["sync_meter"].budget) == ((1200, 420), 0)
        monkeypatch.setenv("RELAIS_SYNC_WINDOW", "8:30-17:00")
        monkeypatch.setenv("RELAIS_SYNC_DAILY_BUDGET_MB", "1")
        del app.config["SYNC_WINDOW"]
        from_env = kiosk_app.meter(app)
    assert (from_env.window, from_env.budget) == ((510, 1020), MB)
    assert sync_errors(caplog) == []


def test_the_command_line_uses_the_budget_and_hours_set_on_the_page(kiosk, monkeypatch):
    from kiosk.models import KioskSetting

    monkeypatch.setenv("RELAIS_SYNC_DAILY_BUDGET_MB", "9")
    with database.connection_context():
        KioskSetting.insert(key="SYNC_DAILY_BUDGET_MB", value=2).execute()
        KioskSetting.insert(key="SYNC_WINDOW", value="20:00-07:00").execute()
    meter = kiosk_app.meter({})                    # what `run.py update-content` builds
    assert (meter.budget, meter.window) == (2 * MB, (20 * 60, 7 * 60))
