"""Sync fixtures: a real hub served by waitress on 127.0.0.1 (SQLite, and PostgreSQL when one is
reachable), a real kiosk on a throwaway SQLite file, and a Classroom of learners making progress."""
from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest
import requests

from kiosk import learner_admin, learners, progress
from kiosk.content.quizmodel import Quiz
from kiosk.db import database
from kiosk.models import Learner, LessonVersion
from sync.client import enrollment
from sync.client.outbox import OutboxEvent
from sync.client.uploader import Uploader
from sync.hub import db as hub_db
from sync.hub.app import create_hub_app
from sync.hub.auth import new_enroll_code
from sync.hub.models import MODELS, Event
from tests.threaded_server import ThreadedServer

POSTGRES_URL = os.environ.get("RELAIS_TEST_POSTGRES")
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.skipif(
        not POSTGRES_URL, reason="set RELAIS_TEST_POSTGRES=postgresql://… to run the hub on PostgreSQL "
                                 "(.ci/run does, with the machine's PostgreSQL)")),
]


class HubServer(ThreadedServer):
    """A hub app served by waitress in a thread; `url` is its address."""

    def __init__(self, config: dict, threads: int = 4):
        super().__init__(create_hub_app(config), name="hub-server", threads=threads, ident="waitress",
                         clear_untrusted_proxy_headers=True)

    @property
    def url(self) -> str:
        return self.base

    def code(self, centre: str = "Centre social Belleville") -> str:
        with hub_db.database.connection_context():
            return new_enroll_code(centre)

    def query(self, fn):
        """Run `fn()` against the hub's database."""
        with hub_db.database.connection_context():
            return fn()

    def event_ids(self) -> list[str]:
        return self.query(lambda: [e.id for e in Event.select(Event.id)])


def reset_postgres(url: str) -> None:
    """Point the hub at `url` with no hub table and no schema version left: as a new hub finds it."""
    previous = hub_db.database.obj
    if previous is not None:
        previous.close_all()        # a pooled connection left in a transaction would block DROP TABLE
    hub_db.database.initialize(hub_db.connect(url, None))
    with hub_db.database.connection_context():
        # event_seen and kiosk_number: PostgreSQL's own tables (migration 11), in no model list
        for table in [model._meta.table_name for model in MODELS] + [hub_db.migrations.VERSION_TABLE,
                                                                     "event_seen", "kiosk_number"]:
            hub_db.database.execute_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')


@pytest.fixture(params=BACKENDS)
def hub(request, tmp_path):
    """A running hub on each database backend."""
    config = {"HUB_DATA_DIR": str(tmp_path / "hub"), "SECRET_KEY": "hub-test"}
    if request.param == "postgresql":
        reset_postgres(POSTGRES_URL)
        config["DATABASE_URL"] = POSTGRES_URL
    server = HubServer(config)
    yield server
    server.stop()


@pytest.fixture
def sqlite_hub(tmp_path):
    server = HubServer({"HUB_DATA_DIR": str(tmp_path / "hub"), "SECRET_KEY": "hub-test"})
    yield server
    server.stop()


class Classroom:
    """Learners on a real kiosk database making progress through the kiosk's own functions."""

    def __init__(self, app, seed: int = 1):
        self.app, self.rng = app, random.Random(seed)
        with database.connection_context():
            version = LessonVersion.get(LessonVersion.lesson == "basics-mouse")
            self.quiz, self.steps = Quiz.from_dict(version.quiz), len(version.steps)

    def join(self, name: str) -> str:
        with database.connection_context():
            return learners.create_learner(name, "sun", None, "fr").uuid

    def learner(self, uuid: str) -> Learner:
        return Learner.get(Learner.uuid == uuid)

    def study(self, uuid: str, moves: int = 5, now: float | None = None) -> None:
        """A few steps, sometimes a completion or a quiz attempt."""
        with database.connection_context():
            for _ in range(moves):
                learner, roll = self.learner(uuid), self.rng.random()
                if roll < 0.6:
                    progress.record_step(learner, "basics-mouse", "basics", self.rng.randrange(self.steps),
                                         self.steps, now=now)
                elif roll < 0.8:
                    progress.record_step(learner, "basics-reading", "basics", 1, 2, now=now)
                    progress.complete_lesson(learner, "basics-reading", "basics", 2, now=now)
                else:
                    answers = {0: [str(self.rng.randrange(2))], 1: ["false"], 2: ["Maj"]}
                    progress.record_quiz_attempt(learner, "basics-mouse", "basics", self.quiz, answers,
                                                 self.steps, now=now)

    def rename(self, uuid: str, name: str) -> None:
        with database.connection_context():
            learner_admin.rename(self.learner(uuid), name)

    def erase(self, uuid: str) -> None:
        with database.connection_context():
            learner_admin.erase(self.learner(uuid))

    def outbox_ids(self) -> list[str]:
        with database.connection_context():
            return [e.uuid for e in OutboxEvent.select(OutboxEvent.uuid)]

    def waiting(self) -> int:
        with database.connection_context():
            return OutboxEvent.select().where(OutboxEvent.sent_at.is_null()).count()


@pytest.fixture
def kiosk(make_app, content_dir):
    # The tests push by hand; the background thread has tests of its own (test_background.py).
    return make_app(content_dir, SYNC_BACKGROUND="no")


@pytest.fixture
def classroom(kiosk):
    return Classroom(kiosk)


def enroll_kiosk(app, hub_url: str, code: str) -> enrollment.Link:
    with database.connection_context():
        return enrollment.enroll(Path(app.config["DATA_PATH"]), hub_url, code)


@pytest.fixture
def enrolled(kiosk, hub):
    """The kiosk, enrolled with the hub: (link, uploader)."""
    link = enroll_kiosk(kiosk, hub.url, hub.code())
    return link, Uploader(link)


def wait_for(predicate, timeout: float = 10.0, step: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def get(url: str, **kwargs) -> requests.Response:
    return requests.get(url, timeout=(5, 30), **kwargs)
