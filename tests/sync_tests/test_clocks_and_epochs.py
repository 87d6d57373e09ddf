"""Kiosks without a real-time clock, and kiosks restored from a backup."""
import sqlite3
import time
from pathlib import Path

from kiosk.db import database
from sync.client import outbox
from sync.client.outbox import KioskIdentity, OutboxEvent
from sync.client.uploader import Uploader
from sync.hub.models import Event
from sync.wire import hlc

YEAR = 365 * 24 * 3600


class Clock:
    """The kiosk's wall clock, set by hand like a Pi that boots without a battery."""

    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def hlcs_in_order() -> list[str]:
    with database.connection_context():
        return [e.hlc for e in OutboxEvent.select().order_by(OutboxEvent.epoch, OutboxEvent.seq)]


def test_a_kiosk_at_1970_jumping_back_and_a_year_ahead_never_moves_its_clock_backwards(classroom, enrolled, hub):
    link, _ = enrolled
    clock = Clock(1.0)                                      # booted without a battery: 1970
    uploader = Uploader(link, clock=clock)
    awa = classroom.join("Awa")
    classroom.study(awa, 3, now=clock.now)
    assert uploader.push().ok                               # the hub's clock fixes the signature window
    classroom.study(awa, 3, now=clock.now)                  # still 1970 locally, but after the hub's time
    assert hlc.decode(hlcs_in_order()[-1])[0] >= (time.time() - 60) * 1000
    clock.now = time.time() + YEAR                          # a wrong NTP answer: a year ahead
    classroom.study(awa, 3, now=clock.now)
    assert uploader.push().ok
    clock.now = time.time() - 86400                         # then back to yesterday
    classroom.study(awa, 3, now=clock.now)
    assert uploader.push().ok
    stamps = hlcs_in_order()
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert sorted(hub.event_ids()) == sorted(classroom.outbox_ids())


def test_a_restored_kiosk_takes_a_new_epoch_and_the_hub_accepts_it(kiosk, classroom, enrolled, hub, tmp_path):
    _, uploader = enrolled
    awa = classroom.join("Awa")
    classroom.study(awa, 4)
    assert uploader.push().ok
    path = Path(kiosk.config["DATA_PATH"]) / "relais.sqlite3"
    backup = tmp_path / "backup.sqlite3"
    with sqlite3.connect(path) as source, sqlite3.connect(backup) as target:
        source.backup(target)
    classroom.study(awa, 4)
    assert uploader.push().ok                               # these events are on the hub, not in the backup
    restore(path, backup)
    with database.connection_context():
        outbox.new_epoch()
    classroom.study(awa, 4)
    assert uploader.push().ok
    with database.connection_context():
        assert KioskIdentity.get().epoch == 2
    assert set(classroom.outbox_ids()) <= set(hub.event_ids())
    assert hub.query(lambda: Event.select().where(Event.epoch == 2).count()) > 0


def test_without_a_new_epoch_a_restored_kiosk_is_told_of_the_conflict(kiosk, classroom, enrolled, hub, tmp_path):
    _, uploader = enrolled
    awa = classroom.join("Awa")
    path = Path(kiosk.config["DATA_PATH"]) / "relais.sqlite3"
    backup = tmp_path / "backup.sqlite3"
    with sqlite3.connect(path) as source, sqlite3.connect(backup) as target:
        source.backup(target)
    classroom.study(awa, 4)
    assert uploader.push().ok
    restore(path, backup)
    classroom.study(awa, 4)
    outcome = uploader.push()
    assert not outcome.ok and outcome.status == 409 and outcome.permanent


def restore(path: Path, backup: Path) -> None:
    """Copy a backup over the live database with SQLite's backup API, as a careful restore does."""
    database.obj.close_all()
    source, target = sqlite3.connect(backup), sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
