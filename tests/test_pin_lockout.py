"""A learner's PIN under 50 parallel tries against a real waitress server on 127.0.0.1: exactly PIN_MAX_TRIES
wrong PINs are compared, the right PIN sent inside a burst after the lock is refused, the lock holds, and
the kiosk-wide limit is exact too."""
from __future__ import annotations

import re
import threading
import time

import pytest
import requests

from kiosk import learners as learner_rules
from kiosk.db import database
from kiosk.learners import create_learner
from kiosk.models import Learner
from tests.threaded_server import ThreadedServer

PIN, WRONG = "2580", "0000"
BURST = 50
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Comparisons:
    """The real PIN comparison, counted: how many PINs the kiosk actually checked against a hash."""

    def __init__(self, real):
        self.real, self.count, self._lock = real, 0, threading.Lock()

    def __call__(self, pin_hash: str, pin: str) -> bool:
        with self._lock:
            self.count += 1
        return self.real(pin_hash, pin)

    def since(self, fn) -> int:
        before = self.count
        fn()
        return self.count - before


class Kiosk(ThreadedServer):
    """A kiosk served by waitress from a thread with one worker per request of a burst."""

    def __init__(self, app):
        pool = database.obj
        pool.init(pool.database, timeout=30)     # a 33rd request waits for a connection, as in production
        super().__init__(app, name="kiosk-server", threads=BURST)

    def card(self, name: str, pin: str = PIN) -> str:
        with database.connection_context():
            return create_learner(name, "sun", pin, None).uuid

    def row(self, uuid: str) -> Learner:
        with database.connection_context():
            return Learner.get(Learner.uuid == uuid)

    def unlock(self, uuid: str) -> None:
        """The lock runs out (as if PIN_LOCK_MINUTES had passed)."""
        with database.connection_context():
            Learner.update(locked_until=time.time() - 1).where(Learner.uuid == uuid).execute()

    def form(self, uuid: str) -> tuple[dict, str]:
        """The PIN page's cookie and CSRF token, as a browser holds them before sending the PIN."""
        visitor = requests.Session()
        page = visitor.get(f"{self.base}/learner/{uuid}", timeout=30)
        return visitor.cookies.get_dict(), CSRF.search(page.text).group(1)

    def burst(self, tries: list[tuple[str, str]]) -> list[requests.Response]:
        """Send every (card, PIN) at the same moment, each from its own thread; the answers, in order."""
        forms = {uuid: self.form(uuid) for uuid in dict.fromkeys(uuid for uuid, _ in tries)}
        start = threading.Barrier(len(tries))
        answers: list = [None] * len(tries)

        def one(index: int, uuid: str, pin: str) -> None:
            cookies, token = forms[uuid]
            start.wait(timeout=30)
            try:
                answers[index] = requests.post(f"{self.base}/learner/{uuid}", data={"pin": pin, "csrf_token": token},
                                               cookies=cookies, allow_redirects=False, timeout=60)
            except requests.RequestException as error:      # kept, so that the test shows it
                answers[index] = error

        threads = [threading.Thread(target=one, args=(i, *item)) for i, item in enumerate(tries)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        failed = [a for a in answers if not isinstance(a, requests.Response)]
        assert not failed, failed[:3]
        return answers


@pytest.fixture
def serve(make_app, content_dir, monkeypatch):
    """Start kiosks with the given settings; PIN comparisons are counted in `kiosk.comparisons`."""
    started = []

    def start(**config) -> Kiosk:
        kiosk = Kiosk(make_app(content_dir, **config))
        kiosk.comparisons = Comparisons(learner_rules.check_password_hash)
        monkeypatch.setattr(learner_rules, "check_password_hash", kiosk.comparisons)
        started.append(kiosk)
        return kiosk

    yield start
    for kiosk in started:
        kiosk.stop()


def statuses(answers) -> list[int]:
    return [a.status_code for a in answers]


def test_50_wrong_pins_at_once_get_exactly_5_compared_then_the_card_is_locked_five_times_over(serve):
    kiosk = serve(KIOSK_PIN_LIMIT=10_000)
    uuid, tries = kiosk.card("Chloé"), 5
    for _ in range(5):
        answers = []
        compared = kiosk.comparisons.since(lambda: answers.extend(kiosk.burst([(uuid, WRONG)] * BURST)))
        assert compared == tries, f"{compared} of {BURST} wrong PINs were compared"
        # A compared try answers 400 ("not right") unless the lock came first; the others wait (429).
        assert set(statuses(answers)) <= {400, 429} and statuses(answers).count(400) <= tries - 1
        locked_until = kiosk.row(uuid).locked_until
        assert locked_until > time.time() + 5 * 60 - 60          # PIN_LOCK_MINUTES = 5
        kiosk.unlock(uuid)


def test_the_right_pin_sent_inside_a_burst_after_the_lock_is_refused_and_the_lock_holds(serve):
    kiosk = serve(KIOSK_PIN_LIMIT=10_000)
    uuid = kiosk.card("Karim")
    for _ in range(5):
        for _ in range(5):
            kiosk.burst([(uuid, WRONG)])
        locked_until = kiosk.row(uuid).locked_until
        assert locked_until > time.time()
        answers = []
        compared = kiosk.comparisons.since(
            lambda: answers.extend(kiosk.burst([(uuid, WRONG)] * 24 + [(uuid, PIN)] + [(uuid, WRONG)] * 25)))
        assert compared == 0
        assert statuses(answers) == [429] * BURST                  # the right PIN (the 25th) too
        assert "Trop d’essais" in answers[24].text                  # the kiosk speaks French by default
        assert kiosk.row(uuid).locked_until == locked_until
        kiosk.unlock(uuid)
    right = kiosk.burst([(uuid, PIN)])[0]
    assert right.status_code == 302 and right.headers["Location"].startswith("/home")
    assert (kiosk.row(uuid).failed_pins, kiosk.row(uuid).locked_until) == (0, 0)


def test_the_kiosk_wide_limit_holds_when_50_cards_are_guessed_at_once(serve):
    kiosk = serve(KIOSK_PIN_LIMIT=10)
    cards = [kiosk.card(f"Card {n}") for n in range(BURST)]
    answers = []
    compared = kiosk.comparisons.since(lambda: answers.extend(kiosk.burst([(uuid, WRONG) for uuid in cards])))
    assert compared == 10, f"{compared} wrong PINs were compared with a kiosk-wide limit of 10 a minute"
    assert set(statuses(answers)) <= {400, 429} and statuses(answers).count(400) <= 10 - 1
    assert sum(kiosk.row(uuid).failed_pins for uuid in cards) == 10
    late = kiosk.comparisons.since(lambda: answers.append(kiosk.burst([(cards[0], PIN)])[0]))
    assert late == 0 and answers[-1].status_code == 429            # everyone waits, the right PIN too


def test_a_right_pin_clears_the_count_and_does_not_use_up_the_kiosk_wide_limit(serve):
    kiosk = serve(KIOSK_PIN_LIMIT=3)
    uuid = kiosk.card("Awa")
    for _ in range(2):
        assert kiosk.burst([(uuid, WRONG)])[0].status_code == 400
    for _ in range(3):
        assert kiosk.burst([(uuid, PIN)])[0].status_code == 302
    assert kiosk.row(uuid).failed_pins == 0
    answers = []
    third = kiosk.comparisons.since(lambda: answers.append(kiosk.burst([(uuid, WRONG)])[0]))
    assert third == 1 and answers[-1].status_code == 429            # the third wrong PIN reaches the limit
    fourth = kiosk.comparisons.since(lambda: answers.append(kiosk.burst([(uuid, WRONG)])[0]))
    assert fourth == 0 and answers[-1].status_code == 429
