"""Abandoned learner sessions are swept when someone logs in; a recently ended one still says why."""
import time

from kiosk.db import database
from kiosk.models import Learner, LearnerSession
from kiosk.sessions import KEEP_ENDED
from tests.conftest import Learners


def sessions_of(name: str) -> int:
    with database.connection_context():
        return LearnerSession.select().join(Learner).where(Learner.name == name).count()


def walk_away(name: str, seconds: float) -> None:
    with database.connection_context():
        learner = Learner.get(Learner.name == name)
        LearnerSession.update(last_seen=time.time() - seconds).where(
            LearnerSession.learner == learner).execute()


def test_a_session_abandoned_for_a_day_is_deleted_when_someone_logs_in(app):
    tablet, desk = app.test_client(), app.test_client()
    Learners(tablet).create("Awa", "sun")
    walk_away("Awa", 10 * 60 + KEEP_ENDED + 1)           # left the tablet open yesterday
    assert sessions_of("Awa") == 1
    Learners(desk).create("Ben", "cat")
    assert sessions_of("Awa") == 0 and sessions_of("Ben") == 1
    assert tablet.get("/home").status_code == 302


def test_a_session_ended_minutes_ago_is_kept_so_its_screen_says_it_expired(app):
    tablet, desk = app.test_client(), app.test_client()
    Learners(tablet).create("Awa", "sun")
    walk_away("Awa", 11 * 60)
    Learners(desk).create("Ben", "cat")
    assert sessions_of("Awa") == 1
    response = tablet.get("/home")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]
    assert sessions_of("Awa") == 0
