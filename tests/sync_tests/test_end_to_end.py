"""A kiosk and a hub on 127.0.0.1: learners make progress, the kiosk syncs, the hub shows the same totals."""
from kiosk import progress as progress_mod
from kiosk.db import database
from kiosk.models import Progress, QuizAttempt
from sync.hub.models import LessonState
from sync.hub.models import QuizAttempt as HubAttempt


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


def test_a_certificate_printed_offline_is_verified_at_the_hub_once_synced(classroom, enrolled, hub, kiosk):
    import urllib.error
    import urllib.request

    from kiosk import catalog, certificates

    link, uploader = enrolled
    uuid = classroom.join("Awa")
    with database.connection_context():
        learner = classroom.learner(uuid)
        for les in catalog.course("basics", "en").lessons:
            version = catalog.lesson_by_key(les.key, "en")
            if version.quiz:
                answers = {0: ["1"], 1: ["false"], 2: ["Maj"]}
                progress_mod.record_quiz_attempt(learner, les.key, "basics", version.quiz, answers, 2)
            else:
                progress_mod.complete_lesson(learner, les.key, "basics", 2)
        course = catalog.course("basics", "en")
        assert certificates.is_complete(learner, course)
        code = certificates.issue(learner, course, "kiosk-secret", "Centre social Belleville").code

    def check(value):
        try:
            with urllib.request.urlopen(f"{hub.url}/verify?code={value}") as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    assert check(code)[0] == 404                       # not synced yet
    assert uploader.push().ok
    status, page = check(code)
    assert status == 200 and "Awa" in page and "Centre social Belleville" in page
    assert check("ZZZZ-ZZZZ")[0] == 404 and check("nonsense")[0] == 404
