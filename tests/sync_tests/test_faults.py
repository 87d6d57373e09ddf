"""A link that cuts, loses answers, stalls and fails: every event reaches the hub exactly once."""
import random

from kiosk.db import database
from kiosk.models import Progress, QuizAttempt
from sync.client import state
from sync.client.enrollment import Link
from sync.client.outbox import OutboxEvent
from sync.client.uploader import Uploader
from sync.hub.models import Event, Kiosk, LessonState
from sync.hub.models import QuizAttempt as HubAttempt
from tests.sync_tests.conftest import enroll_kiosk
from tests.sync_tests.faultproxy import Fault, FaultProxy

ROUNDS = 100


def random_fault(rng: random.Random) -> Fault:
    return rng.choice([
        Fault("cut", rng.randint(1, 900)),        # inside the headers or the gzip'd body
        Fault("drop"), Fault("drop"),
        Fault("delay", 0.05),                     # slow but within the read timeout
        Fault("delay", 0.6),                      # past the read timeout: the kiosk gives up waiting
        Fault("status", 500), Fault("status", 503),
        Fault("pass"),
    ])


def test_a_hundred_faulty_rounds_lose_nothing_and_duplicate_nothing(kiosk, classroom, hub):
    rng = random.Random(2024)
    proxy = FaultProxy(hub.port)
    try:
        real = enroll_kiosk(kiosk, hub.url, hub.code())
        link = Link(**dict(real.__dict__, hub_url=proxy.url))
        uploader = Uploader(link, batch_size=8, timeouts=(1, 0.3))
        people = [classroom.join(f"learner {n}") for n in range(6)]
        failures = 0
        for _ in range(ROUNDS):
            classroom.study(rng.choice(people), moves=rng.randint(1, 6))
            uploader.http.close()              # a fresh connection, so it takes the next fault
            proxy.add(random_fault(rng))
            outcome = uploader.push()
            tries = 1
            while not outcome.ok:
                assert not outcome.permanent, outcome.detail
                assert tries < 20
                failures += 1
                outcome, tries = uploader.push(), tries + 1
        assert proxy.connections >= ROUNDS and failures > 20
        resent = assert_hub_holds_exactly_the_kiosks_events(hub)
        assert resent > 0, "lost acknowledgements should have made the kiosk resend some events"
    finally:
        proxy.stop()


def assert_hub_holds_exactly_the_kiosks_events(hub):
    with database.connection_context():
        kiosk_ids = [e.uuid for e in OutboxEvent.select()]
        unsent = OutboxEvent.select().where(OutboxEvent.sent_at.is_null()).count()
        progress = {(p.learner.uuid, p.lesson_key): (p.status == "completed", p.step, p.time_spent)
                    for p in Progress.select()}
        attempts = QuizAttempt.select().count()
        resent = sum(r.duplicates for r in state.SyncReceipt.select())
    hub_ids = hub.event_ids()
    missing, duplicates = set(kiosk_ids) - set(hub_ids), len(hub_ids) - len(set(hub_ids))
    assert (len(missing), duplicates, unsent) == (0, 0, 0)
    assert len(hub_ids) == len(kiosk_ids)
    assert hub.query(lambda: Kiosk.select().get().events_received) == len(kiosk_ids)
    hub_progress = hub.query(lambda: {(s.learner_uuid, s.lesson_key): (bool(s.completed), s.step, s.time_spent)
                                      for s in LessonState.select()})
    completed_or_furthest = {k: (c, s, t) for k, (c, s, t) in progress.items()}
    assert {k: (c, t) for k, (c, _, t) in hub_progress.items()} == \
        {k: (c, t) for k, (c, _, t) in completed_or_furthest.items()}
    assert hub.query(lambda: HubAttempt.select().count()) == attempts
    assert hub.query(lambda: Event.select().where(Event.payload.is_null()).count()) == 0
    return resent
