"""A kiosk and a hub on 127.0.0.1: learners make progress, the kiosk syncs, the hub shows the same totals."""
from kiosk.db import database
from kiosk.models import Progress, QuizAttempt
from sync.hub.models import LessonState, QuizAttempt as HubAttempt


def test_the_hub_shows_exactly_the_kiosks_totals(classroom, enrolled, hub):
    link, uploader = enrolled
    people = [classroom.join(name) for name in ("Awa", "Bilal", "Chen")]
    for person in people:
        classroom.study(person, moves=12)
    outcome = uploader.push()
    assert outcome.ok and classroom.waiting() == 0
    with database.connection_context():
        kiosk_completed = Progress.select().where(Progress.status == "completed").count()
        kiosk_started = Progress.select().count()
        kiosk_attempts = QuizAttempt.select().count()
    assert sorted(hub.event_ids()) == sorted(classroom.outbox_ids())
    assert hub.query(lambda: LessonState.select().count()) == kiosk_started
    assert hub.query(lambda: LessonState.select().where(LessonState.completed).count()) == kiosk_completed
    assert hub.query(lambda: HubAttempt.select().count()) == kiosk_attempts
    assert outcome.sent == len(classroom.outbox_ids())
