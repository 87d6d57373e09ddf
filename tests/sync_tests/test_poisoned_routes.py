"""Poison on every kiosk route that writes an event, then a real sync to a real hub (SQLite and PostgreSQL):
the outbox empties and the hub holds every event the kiosk wrote, the ordinary ones after the poison too."""
from kiosk.db import database
from kiosk.models import Learner
from sync.hub.models import Learner as HubLearner
from tests.poison import broken_events, poison_every_route


def test_a_poisoned_kiosk_syncs_to_the_end_and_the_hub_holds_every_event(kiosk, enrolled, hub, classroom):
    link, uploader = enrolled
    statuses = poison_every_route(kiosk)
    assert not [s for s in statuses if s >= 500], statuses
    assert broken_events() == []
    first = uploader.push()
    assert first.ok, first.detail
    later = classroom.join("Fatou")                   # the ordinary work after the poison flows too
    classroom.study(later, moves=8)
    classroom.rename(later, "Fatou Diop")
    second = uploader.push()
    assert second.ok and classroom.waiting() == 0, second.detail
    assert sorted(hub.event_ids()) == sorted(classroom.outbox_ids())
    with database.connection_context():
        names = {learner.uuid: learner.name for learner in Learner.select()}
    at_hub = hub.query(lambda: {row.uuid: row.name for row in HubLearner.select().where(
        HubLearner.uuid.in_(list(names)))})
    assert at_hub == names
