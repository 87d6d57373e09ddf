"""Learners answering at the same moment share commits, and each is answered only once their answer is on disk."""
import sqlite3
import threading
import time

import peewee
import pytest

from kiosk import progress, writer
from kiosk.content.quizmodel import Choice, Question, Quiz
from kiosk.db import database, open_database
from kiosk.learners import create_learner
from kiosk.models import Learner

QUIZ = Quiz(questions=[Question(kind="single", text="Q?", choices=[Choice("a", True), Choice("b")])])
CLASS = 16


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "relais.sqlite3"
    open_database(path)
    yield path
    database.obj.close_all()


def make_class(count: int) -> list[Learner]:
    with database.connection_context():
        return [create_learner(f"Learner {i}", "sun", None, None) for i in range(count)]


def on_disk(path, sql: str, params=()) -> list[tuple]:
    """What a second connection (another process, or the kiosk after a power cut) reads."""
    other = sqlite3.connect(path)
    try:
        return other.execute(sql, params).fetchall()
    finally:
        other.close()


class Answering(threading.Thread):
    """One learner's browser: answers the quiz, then looks from another connection whether it is kept."""

    def __init__(self, path, learner: Learner, start: threading.Barrier | None = None):
        super().__init__(daemon=True)
        self.path, self.learner, self.start_together = path, learner, start
        self.attempt, self.error, self.seen_on_return = None, None, None

    def run(self):
        if self.start_together:
            self.start_together.wait()
        with database.connection_context():
            try:
                self.attempt = progress.record_quiz_attempt(self.learner, "basics-mouse", "basics", QUIZ,
                                                            {0: ["0"]}, 3)
            except Exception as error:  # noqa: BLE001 (kept for the test to look at)
                self.error = error
                return
        self.seen_on_return = on_disk(self.path, "SELECT count(*) FROM quiz_attempt WHERE uuid = ?",
                                      (self.attempt.uuid,))[0][0]


class HeldCommit(threading.Thread):
    """A write that keeps its transaction open until released, so the next answers queue behind it."""

    def __init__(self):
        super().__init__(daemon=True)
        self.inside, self.release = threading.Event(), threading.Event()

    def run(self):
        with database.connection_context():
            writer.shared.run(self._hold)

    def _hold(self):
        self.inside.set()
        assert self.release.wait(30)


def queue_behind(held: HeldCommit, threads: list[threading.Thread]) -> None:
    """Start `threads` while `held` holds the commit, and wait until each has queued its write."""
    held.start()
    assert held.inside.wait(30)
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while writer.shared.waiting() < len(threads):
        assert time.monotonic() < deadline, "the answers never queued"
        time.sleep(0.005)


def outbox_seqs(path) -> list[int]:
    return [seq for (seq,) in on_disk(path, "SELECT seq FROM outbox_event ORDER BY seq")]


def test_sixteen_learners_answering_at_once_all_keep_their_attempts_and_events_in_order(path):
    learners = make_class(CLASS)
    start = threading.Barrier(CLASS)
    threads = [Answering(path, learner, start) for learner in learners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [t.error for t in threads] == [None] * CLASS
    assert all(t.seen_on_return == 1 for t in threads), "an answer was acknowledged before its commit"
    assert on_disk(path, "SELECT count(*) FROM quiz_attempt")[0][0] == CLASS
    assert on_disk(path, "SELECT count(*) FROM progress WHERE status = 'completed'")[0][0] == CLASS
    seqs = outbox_seqs(path)
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) == CLASS * 3     # created, attempted, completed
    for learner in learners:
        kinds = [kind for (kind,) in on_disk(path, "SELECT type FROM outbox_event WHERE learner_uuid = ? "
                                                   "ORDER BY seq", (learner.uuid,))]
        assert kinds == ["learner.created", "quiz.attempted", "lesson.completed"]


def test_answers_that_arrive_during_a_commit_share_the_next_one_and_wait_for_it(path):
    learners = make_class(6)
    held = HeldCommit()
    threads = [Answering(path, learner) for learner in learners]
    commits = writer.shared.commits
    queue_behind(held, threads)
    assert all(t.is_alive() for t in threads), "an answer returned before any commit held it"
    assert on_disk(path, "SELECT count(*) FROM quiz_attempt")[0][0] == 0
    held.release.set()
    for thread in threads + [held]:
        thread.join(60)
    assert writer.shared.commits == commits + 2          # the held one, then all six answers in one
    assert [t.error for t in threads] == [None] * 6 and all(t.seen_on_return == 1 for t in threads)
    seqs = outbox_seqs(path)
    assert seqs == list(range(1, len(seqs) + 1))


def test_an_answer_from_a_card_erased_a_moment_before_fails_alone_and_the_others_are_kept(path):
    awa, erased, bilal = make_class(3)
    with database.connection_context():
        Learner.delete().where(Learner.id == erased.id).execute()
    held = HeldCommit()
    threads = [Answering(path, person) for person in (awa, erased, bilal)]
    commits = writer.shared.commits
    queue_behind(held, threads)
    held.release.set()
    for thread in threads + [held]:
        thread.join(60)
    assert writer.shared.commits == commits + 2
    assert isinstance(threads[1].error, peewee.IntegrityError)       # its learner row is gone
    assert threads[0].error is None and threads[2].error is None
    kept = {uuid for (uuid,) in on_disk(path, "SELECT l.uuid FROM quiz_attempt a JOIN learner l "
                                              "ON l.id = a.learner_id")}
    assert kept == {awa.uuid, bilal.uuid}
    assert on_disk(path, "SELECT count(*) FROM outbox_event WHERE learner_uuid = ? AND type != 'learner.created'",
                   (erased.uuid,))[0][0] == 0
    seqs = outbox_seqs(path)
    assert seqs == list(range(1, len(seqs) + 1)), "the failed answer left a gap in the outbox"


def test_an_event_the_hub_would_refuse_fails_its_own_step_only(path):
    awa, bilal = make_class(2)
    results = {}

    def step(name, learner, lesson_key):
        with database.connection_context():
            try:
                results[name] = progress.record_step(learner, lesson_key, "basics", 1, 3).step
            except Exception as error:  # noqa: BLE001 (kept for the test to look at)
                results[name] = error

    held = HeldCommit()
    threads = [threading.Thread(target=step, args=("awa", awa, "mouse\x00")),
               threading.Thread(target=step, args=("bilal", bilal, "basics-mouse"))]
    queue_behind(held, threads)
    held.release.set()
    for thread in threads + [held]:
        thread.join(60)
    assert isinstance(results["awa"], progress.outbox.Refused) and results["bilal"] == 1
    assert on_disk(path, "SELECT learner_id FROM progress") == [(bilal.id,)]


def test_a_commit_that_fails_fails_every_answer_it_held_and_the_next_answers_are_kept(path):
    awa, bilal = make_class(2)
    errors = {}

    def orphan_row():
        # A deferred foreign key is checked at COMMIT only: the commit itself fails.
        database.execute_sql("PRAGMA defer_foreign_keys = ON")
        database.execute_sql("INSERT INTO progress (learner_id, lesson_key, course_id, status, step, steps_total, "
                             "time_spent, first_seen, last_seen) VALUES (999, 'x', 'c', 'started', 0, 1, 0, 0, 0)")

    def sabotage():
        with database.connection_context():
            try:
                writer.shared.run(orphan_row)
            except Exception as error:  # noqa: BLE001 (kept for the test to look at)
                errors["orphan"] = error

    held = HeldCommit()
    threads = [Answering(path, awa), threading.Thread(target=sabotage), Answering(path, bilal)]
    queue_behind(held, threads)
    held.release.set()
    for thread in threads + [held]:
        thread.join(60)
    assert isinstance(errors["orphan"], peewee.IntegrityError)
    assert isinstance(threads[0].error, peewee.IntegrityError) and isinstance(threads[2].error, peewee.IntegrityError)
    assert on_disk(path, "SELECT count(*) FROM quiz_attempt")[0][0] == 0
    assert on_disk(path, "SELECT count(*) FROM progress")[0][0] == 0

    again = Answering(path, awa)
    again.start()
    again.join(60)
    assert again.error is None and again.seen_on_return == 1
    seqs = outbox_seqs(path)
    assert seqs == list(range(1, len(seqs) + 1))


def test_a_write_inside_a_transaction_the_caller_holds_is_kept_by_the_callers_commit(path):
    (awa,) = make_class(1)
    with database.connection_context():
        with pytest.raises(RuntimeError), database.atomic():
            progress.record_step(awa, "basics-mouse", "basics", 1, 3)
            raise RuntimeError("the caller changes its mind")
        assert on_disk(path, "SELECT count(*) FROM progress")[0][0] == 0
        with database.atomic():
            progress.record_step(awa, "basics-mouse", "basics", 2, 3)
            assert on_disk(path, "SELECT count(*) FROM progress")[0][0] == 0      # not yet committed
    assert on_disk(path, "SELECT step FROM progress") == [(2,)]


def test_the_progress_a_page_reads_is_the_progress_written(path):
    (awa,) = make_class(1)
    with database.connection_context():
        progress.record_step(awa, "basics-mouse", "basics", 1, 3, now=1000.0)
        progress.complete_lesson(awa, "basics-reading", "basics", 2, with_help=True, now=1010.0)
        done = progress.for_learner(awa)
    assert set(done) == {"basics-mouse", "basics-reading"}
    mouse, reading = done["basics-mouse"], done["basics-reading"]
    assert (mouse.status, mouse.step, mouse.steps_total, mouse.with_help, mouse.completed_at) == \
        ("started", 1, 3, False, None)
    assert (reading.status, reading.step, reading.with_help, reading.completed_at) == ("completed", 2, True, 1010.0)
    assert mouse.with_help is False and reading.with_help is True
    assert isinstance(mouse.id, int) and mouse.learner_id == awa.id
