"""A learner's card follows them to every kiosk of their network, through the hub (docs/sync-protocol.md §10).

Two kiosks (each its own SQLite file; the kiosk's database proxy is pointed at one at a time) and a hub
served by waitress on 127.0.0.1, on SQLite and on PostgreSQL.
"""
from __future__ import annotations

import json
import random
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from kiosk import learner_admin, learners, progress, roaming
from kiosk.app import create_app
from kiosk.db import database, open_database
from kiosk.models import Learner, Progress, QuizAttempt
from sync.client import roaming as client_roaming
from sync.client.enrollment import Link
from sync.client.outbox import OutboxEvent
from sync.client.worker import SyncWorker
from sync.hub import network
from sync.hub.models import Erased, Event, LessonState
from sync.hub.models import Learner as HubLearner
from sync.hub.models import QuizAttempt as HubAttempt
from tests.conftest import SMALL_COURSE, write_tree
from tests.reliability.kiosk_client import free_port, start_server
from tests.sync_tests.conftest import Classroom, enroll_kiosk
from tests.sync_tests.faultproxy import Fault, FaultProxy

PIN = "2580"
KILL_ROUNDS = 8
SQLITE_ONLY = pytest.mark.parametrize("hub", ["sqlite"], indirect=True)   # the stories on PostgreSQL: the others


class Kiosk:
    """One kiosk app with its own data folder; `use()` points the kiosk's database at it."""

    def __init__(self, create_app, root: Path, name: str, hub, centre: str, content: Path, proxy_url=None):
        self.app = create_app({"TESTING": True, "DATA_DIR": str(root / name), "CONTENT_DIR": str(content),
                               "SECRET_KEY": "test-secret", "DEFAULT_LANGUAGE": "fr", "SYNC_BACKGROUND": "no"})
        self.path = Path(self.app.config["DATA_PATH"])
        link = enroll_kiosk(self.app, hub.url, hub.code(centre))
        self.link = Link(**dict(link.__dict__, hub_url=proxy_url)) if proxy_url else link
        self.worker = SyncWorker(self.path, timeouts=(1, 2), roaming=self.app.extensions["roaming"])

    def use(self):
        open_database(self.path / "relais.sqlite3")
        return self

    def sync(self):
        """One turn of the kiosk's sync: upload, then the network's cards."""
        self.use()
        self.worker.roaming.prepare()
        with database.connection_context():
            pending = OutboxEvent.select().where(OutboxEvent.sent_at.is_null()).count()
        if pending:
            sent, _ = self.worker._upload(self.link)
            if not sent:
                return False
        return self.worker._cards(self.link) is not None

    def learner(self, uuid: str) -> Learner | None:
        self.use()
        with database.connection_context():
            return Learner.get_or_none(Learner.uuid == uuid)

    def card(self, uuid: str) -> dict | None:
        """What this kiosk holds of a card: profile, progress and attempts."""
        self.use()
        with database.connection_context():
            learner = Learner.get_or_none(Learner.uuid == uuid)
            if learner is None:
                return None
            return {"name": learner.name, "prefs": learner.prefs,
                    "progress": {p.lesson_key: (p.status, p.step) for p in Progress.select().where(
                        Progress.learner == learner)},
                    "attempts": sorted(a.uuid for a in QuizAttempt.select().where(QuizAttempt.learner == learner))}


def hub_card(hub, uuid: str) -> dict | None:
    def read():
        row = HubLearner.get_or_none(HubLearner.uuid == uuid)
        if row is None:
            return None
        return {"name": row.name, "prefs": json.loads(row.prefs),
                "progress": {s.lesson_key: ("completed" if s.completed else "started", s.step)
                             for s in LessonState.select().where(LessonState.learner_uuid == uuid)},
                "attempts": sorted(a.attempt for a in HubAttempt.select().where(HubAttempt.learner_uuid == uuid))}
    return hub.query(read)


@pytest.fixture
def network_of_two(hub, tmp_path):
    """Kiosks A and B of one centre, enrolled with the hub; kiosk A is in use."""
    content = write_tree(tmp_path / "content", SMALL_COURSE)
    a = Kiosk(create_app, tmp_path, "a", hub, "Belleville", content)
    b = Kiosk(create_app, tmp_path, "b", hub, "Belleville", content)
    yield a.use(), b
    if not database.is_closed():
        database.close()


def make_card(kiosk: Kiosk, name: str = "Awa", pin: str | None = PIN) -> str:
    kiosk.use()
    with database.connection_context():
        learner = learners.create_learner(name, "bird", pin, "ar")
        learners.update_prefs(learner, {"text_size": 150})
        progress.record_step(learner, "basics-mouse", "basics", 2, 4)
        return learner.uuid


def test_a_card_made_on_a_resumes_on_b_with_its_code_and_comes_back_to_a(network_of_two, hub):
    a, b = network_of_two
    awa = make_card(a)
    assert a.sync() and b.sync()

    on_b = b.learner(awa)
    assert on_b is not None and on_b.origin == "Belleville" and on_b.picture == "bird"
    with database.connection_context():
        guard = learners.PinGuard(5, 300, 30)
        assert guard.check(on_b, PIN, time.time())                       # the code made on A opens it on B
        assert on_b.prefs["text_size"] == 150 and on_b.prefs["language"] == "ar"
        assert progress.for_learner(on_b)["basics-mouse"].step == 2      # where Awa stopped on A
        progress.record_step(on_b, "basics-mouse", "basics", 3, 4)
        Classroom(b.app).study(awa, moves=6)
        learners.update_prefs(Learner.get_by_id(on_b.id), {"contrast": True})
    assert b.sync() and a.sync()

    back_on_a = a.card(awa)
    assert back_on_a == b.card(awa) == hub_card(hub, awa)
    assert back_on_a["progress"]["basics-mouse"][1] >= 3 and back_on_a["prefs"]["contrast"] is True


@SQLITE_ONLY
def test_what_a_kiosk_received_is_never_sent_back_as_new(network_of_two, hub):
    a, b = network_of_two
    make_card(a)
    a.sync()
    b.sync()
    b.use()
    with database.connection_context():
        assert OutboxEvent.select().where(OutboxEvent.sent_at.is_null()).count() == 0
    events = hub.query(lambda: Event.select().count())
    assert b.sync() and a.sync()
    assert hub.query(lambda: Event.select().count()) == events


def test_a_card_erased_on_a_is_gone_from_b_and_the_hub(network_of_two, hub):
    a, b = network_of_two
    awa = make_card(a)
    a.sync()
    b.sync()
    assert b.learner(awa) is not None
    a.use()
    with database.connection_context():
        learner_admin.erase(Learner.get(Learner.uuid == awa))
    a.sync()
    b.sync()
    assert b.learner(awa) is None and hub_card(hub, awa) is None
    assert hub.query(lambda: Erased.select().where(Erased.learner_uuid == awa).count()) == 1
    with database.connection_context():
        assert Progress.select().count() == 0


@SQLITE_ONLY
def test_two_cards_merged_on_a_are_merged_on_b(network_of_two, hub):
    a, b = network_of_two
    keep, other = make_card(a, "Awa"), make_card(a, "Awa bis")
    a.use()
    with database.connection_context():
        progress.complete_lesson(Learner.get(Learner.uuid == other), "basics-reading", "basics", 2)
    a.sync()
    b.sync()
    a.use()
    with database.connection_context():
        learner_admin.merge(Learner.get(Learner.uuid == keep), Learner.get(Learner.uuid == other))
    a.sync()
    b.sync()
    assert b.learner(other) is None
    assert b.card(keep)["progress"]["basics-reading"][0] == "completed"


@SQLITE_ONLY
def test_a_card_kept_on_its_kiosk_only_never_reaches_b(network_of_two, hub):
    a, b = network_of_two
    mine, shared = make_card(a, "Awa"), make_card(a, "Binta")
    a.use()
    with database.connection_context():
        roaming.keep_here(Learner.get(Learner.uuid == mine), True)
    a.sync()
    b.sync()
    assert b.learner(mine) is None and b.learner(shared) is not None
    a.use()
    with database.connection_context():                  # Binta changes her mind: her card is taken back
        roaming.keep_here(Learner.get(Learner.uuid == shared), True)
    a.sync()
    b.sync()
    assert b.learner(shared) is None and a.learner(shared) is not None


@SQLITE_ONLY
def test_a_pin_lockout_on_b_does_not_lock_the_card_on_a(network_of_two, hub):
    a, b = network_of_two
    awa = make_card(a)
    a.sync()
    b.sync()
    now = time.time()
    on_b = b.learner(awa)
    with database.connection_context():
        guard = learners.PinGuard(5, 300, 30)
        for _ in range(5):
            assert not guard.check(on_b, "0000", now)
        assert guard.wait_seconds(on_b, now) > 0
        progress.record_step(Learner.get_by_id(on_b.id), "basics-mouse", "basics", 3, 4)
    b.sync()
    a.sync()
    on_a = a.learner(awa)
    assert on_a.failed_pins == 0 and on_a.locked_until == 0
    with database.connection_context():
        assert learners.PinGuard(5, 300, 30).check(on_a, PIN, now)


@SQLITE_ONLY
def test_a_card_from_another_network_is_not_sent_and_a_network_shares_across_centres(hub, tmp_path):
    content = write_tree(tmp_path / "content", SMALL_COURSE)
    a = Kiosk(create_app, tmp_path, "a", hub, "Belleville", content)
    c = Kiosk(create_app, tmp_path, "c", hub, "Médiathèque de Ménilmontant", content)
    awa = make_card(a)
    a.sync()
    c.sync()
    assert c.learner(awa) is None
    hub.query(lambda: network.add("Paris 20e", ["Belleville", "Médiathèque de Ménilmontant"]))
    a.use()
    with database.connection_context():
        learners.update_prefs(Learner.get(Learner.uuid == awa), {"contrast": True})
    a.sync()
    c.sync()
    assert c.learner(awa) is not None and c.learner(awa).prefs["contrast"] is True
    database.close()


@SQLITE_ONLY
def test_an_old_hub_without_cards_turns_roaming_off_quietly(hub, tmp_path):
    proxy = FaultProxy(hub.port)
    try:
        content = write_tree(tmp_path / "content", SMALL_COURSE)
        a = Kiosk(create_app, tmp_path, "a", hub, "Belleville", content, proxy_url=proxy.url)
        proxy.add(Fault("status", 404))
        a.worker._fetcher_for(a.link).http.close()
        assert a.sync()
        with database.connection_context():
            assert client_roaming.current().status == client_roaming.UNSUPPORTED
        database.close()
    finally:
        proxy.stop()


def _fault_rounds(hub, tmp_path, rounds: int):
    rng = random.Random(15)
    proxy = FaultProxy(hub.port)
    try:
        content = write_tree(tmp_path / "content", SMALL_COURSE)
        a = Kiosk(create_app, tmp_path, "a", hub, "Belleville", content, proxy_url=proxy.url)
        b = Kiosk(create_app, tmp_path, "b", hub, "Belleville", content, proxy_url=proxy.url)
        people = [make_card(a, f"learner {n}") for n in range(3)]
        for _ in range(rounds):
            kiosk = rng.choice([a, b])
            present = [p for p in people if kiosk.learner(p) is not None]
            if present:
                Classroom(kiosk.app, seed=rng.randrange(1000)).study(rng.choice(present), moves=rng.randint(1, 3))
            for k in (a, b):
                k.worker._fetcher_for(k.link).http.close()
                if k.worker._uploader is not None:
                    k.worker._uploader.http.close()
            proxy.add(rng.choice([Fault("cut", rng.randint(1, 600)), Fault("drop"), Fault("cut_down", 200),
                                  Fault("status", 503), Fault("pass")]))
            kiosk.sync()
        _settle_and_agree(hub, (a, b), people)
    finally:
        proxy.stop()


def _settle_and_agree(hub, kiosks, people):
    """The link heals: every event reaches the hub once and every side holds the same cards."""
    a, b = kiosks
    for _ in range(3):
        a.sync()
        b.sync()
    held = set(hub.event_ids())
    for kiosk in (a, b):
        kiosk.use()
        with database.connection_context():
            assert OutboxEvent.select().where(OutboxEvent.sent_at.is_null()).count() == 0
            assert {e.uuid for e in OutboxEvent.select(OutboxEvent.uuid)} <= held
    assert len(hub.event_ids()) == len(held)
    for person in people:
        assert a.card(person) == b.card(person) == hub_card(hub, person)
    database.close()


def test_cuts_on_the_link_leave_no_event_missing_or_doubled_and_the_cards_agree(hub, tmp_path):
    _fault_rounds(hub, tmp_path, 8)


@pytest.mark.slow
def test_a_hundred_faulty_rounds_leave_the_cards_agreeing_everywhere(hub, tmp_path):
    _fault_rounds(hub, tmp_path, 100)


@SQLITE_ONLY
def test_a_kiosk_killed_mid_sync_again_and_again_loses_and_doubles_nothing(hub, tmp_path):
    """Each round: learners work on one kiosk, then that kiosk runs as a real server whose background sync
    uploads and fetches cards, and is killed with SIGKILL at a random moment — during an upload, while
    applying cards, or idle. After the link settles, the hub holds every event once and the cards agree."""
    rng = random.Random(9)
    content = write_tree(tmp_path / "content", SMALL_COURSE)
    a = Kiosk(create_app, tmp_path, "a", hub, "Belleville", content)
    b = Kiosk(create_app, tmp_path, "b", hub, "Belleville", content)
    people = [make_card(a, f"learner {n}") for n in range(3)]
    for _ in range(KILL_ROUNDS):
        kiosk = rng.choice([a, b])
        present = [p for p in people if kiosk.learner(p) is not None]
        if present:
            Classroom(kiosk.app, seed=rng.randrange(1000)).study(rng.choice(present), moves=rng.randint(2, 6))
        database.close()
        server = start_server(content, kiosk.path, free_port(), threads=2,
                              env={"RELAIS_SYNC_BACKGROUND": "yes", "RELAIS_SYNC_INTERVAL": "0.1"})
        time.sleep(rng.uniform(0.1, 1.2))
        server.send_signal(signal.SIGKILL)
        server.wait()
        with sqlite3.connect(kiosk.path / "relais.sqlite3") as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    _settle_and_agree(hub, (a, b), people)
