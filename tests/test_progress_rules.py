"""Progress rules: which event each change makes, merging two cards, and what the course page reads."""
import time

import pytest

from kiosk import certificates, learner_admin, progress
from kiosk.catalog import course as course_view
from kiosk.catalog import lesson_by_key
from kiosk.db import database
from kiosk.learners import create_learner
from kiosk.models import Progress, QuizAttempt
from sync.client.outbox import OutboxEvent

NOW = float(int(time.time()))
RIGHT = {0: ["1"], 1: ["false"], 2: ["Maj"]}        # all three answers of basics-mouse right
WRONG = {0: ["0"], 1: ["true"], 2: ["x"]}


@pytest.fixture
def db(app):
    with database.connection_context():
        yield


def events_of(learner) -> list[str]:
    return [e.type for e in OutboxEvent.select().where(OutboxEvent.learner_uuid == learner.uuid)
            .order_by(OutboxEvent.seq) if e.type.startswith(("lesson.", "quiz."))]


def row_of(learner, lesson_key) -> Progress:
    return Progress.get((Progress.learner == learner) & (Progress.lesson_key == lesson_key))


def test_rereading_a_completed_lesson_is_progress_but_it_stays_completed(db):
    awa = create_learner("Awa", "sun", None, None)
    progress.complete_lesson(awa, "basics/reading", "basics", 2, now=NOW)
    progress.record_step(awa, "basics/reading", "basics", 0, 2, now=NOW + 30)
    row = row_of(awa, "basics/reading")
    assert (row.status, row.step, row.completed_at, row.time_spent) == ("completed", 0, NOW, 30)
    assert events_of(awa) == ["lesson.completed", "lesson.progressed"]


def test_a_help_mark_says_completed_only_for_a_completed_lesson(db):
    awa = create_learner("Awa", "sun", None, None)
    progress.record_step(awa, "basics-mouse", "basics", 1, 2, now=NOW)
    progress.complete_lesson(awa, "basics/reading", "basics", 2, now=NOW)
    progress.set_with_help(awa, "basics-mouse", True, now=NOW + 1)
    progress.set_with_help(awa, "basics/reading", True, now=NOW + 2)
    assert events_of(awa) == ["lesson.progressed", "lesson.completed", "lesson.progressed", "lesson.completed"]


def test_merging_two_cards_keeps_the_furthest_progress_and_tells_the_hub_each_lesson(db):
    quiz = lesson_by_key("basics-mouse", "en").quiz
    ana = create_learner("Ana", "sun", None, None, now=lambda: NOW - 100)
    twin = create_learner("Ana bis", "cat", None, None, now=lambda: NOW - 100)
    progress.record_step(ana, "basics-mouse", "basics", 1, 2, now=NOW - 90)
    progress.record_quiz_attempt(twin, "basics-mouse", "basics", quiz, RIGHT, 2, with_help=True, now=NOW - 80)
    progress.record_step(twin, "basics/reading", "basics", 1, 2, now=NOW - 70)
    before = len(events_of(ana))
    merged = learner_admin.merge(ana, twin, now=NOW)
    mouse, reading = row_of(merged, "basics-mouse"), row_of(merged, "basics/reading")
    assert (mouse.status, mouse.step, mouse.with_help, mouse.completed_at) == ("completed", 2, True, NOW - 80)
    assert (reading.status, reading.step, reading.first_seen) == ("started", 1, NOW - 70)
    assert events_of(merged)[before:] == ["lesson.completed", "lesson.progressed", "quiz.attempted"]
    assert QuizAttempt.select().where(QuizAttempt.learner == merged).count() == 1


class Statements:
    """Every SQL statement the database runs, with its parameters, while it is installed."""

    def __init__(self, monkeypatch):
        self.seen: list[tuple[str, tuple]] = []
        real = database.obj.execute_sql

        def execute_sql(sql, params=None, *args, **kwargs):
            self.seen.append((sql, tuple(params or ())))
            return real(sql, params, *args, **kwargs)
        monkeypatch.setattr(database.obj, "execute_sql", execute_sql)

    def on(self, table: str) -> list[tuple[str, tuple]]:
        return [(sql, params) for sql, params in self.seen if f'FROM "{table}"' in sql]


def test_the_course_page_reads_only_this_learners_quiz_attempts(db, monkeypatch):
    quiz = lesson_by_key("basics-mouse", "en").quiz
    others = [create_learner(f"Other {i}", "tree", None, None) for i in range(5)]
    for other in others:             # everyone else passed; that must not count for Ben
        progress.record_quiz_attempt(other, "basics-mouse", "basics", quiz, RIGHT, 2, now=NOW)
    ben = create_learner("Ben", "cat", None, None)
    progress.record_quiz_attempt(ben, "basics-mouse", "basics", quiz, WRONG, 2, now=NOW)
    progress.complete_lesson(ben, "basics/reading", "basics", 2, now=NOW)
    course = course_view("basics", "en")

    statements = Statements(monkeypatch)
    assert not certificates.is_complete(ben, course)
    attempts = statements.on("quiz_attempt")
    assert len(statements.seen) == 2 and len(attempts) == 1
    sql, params = attempts[0]
    assert '"learner_id" = ?' in sql and '"lesson_key" IN (?)' in sql
    assert params == (ben.id, "basics-mouse")

    progress.record_quiz_attempt(ben, "basics-mouse", "basics", quiz, RIGHT, 2, now=NOW + 60)
    progress.record_quiz_attempt(ben, "basics-mouse", "basics", quiz, WRONG, 2, now=NOW + 120)
    assert certificates.is_complete(ben, course)           # the best attempt counts, not the last
