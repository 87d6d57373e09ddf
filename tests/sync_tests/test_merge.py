"""The merge rule on the hub: furthest progress, every attempt, last writer wins, erasure, epochs."""
import random
import uuid

from sync.hub.models import Erased, Event, Learner, LessonState, QuizAttempt
from tests.sync_tests.conftest import enroll_kiosk
from tests.sync_tests.test_hub_refuses import RawKiosk

LEARNER = str(uuid.UUID(int=42))


def make(seq, type_, payload, hlc_ms, learner=LEARNER, epoch=1):
    return {"id": str(uuid.uuid4()), "epoch": epoch, "seq": seq, "learner": learner,
            "hlc": f"{hlc_ms:015d}-000000", "type": type_, "payload": payload}


def lesson(step, status="started", time_spent=0, with_help=False, lesson_key="basics-mouse"):
    return {"lesson": lesson_key, "course": "basics", "status": status, "step": step, "steps_total": 4,
            "time_spent": time_spent, "with_help": with_help}


def raw_kiosk(kiosk, hub):
    return RawKiosk(hub, enroll_kiosk(kiosk, hub.url, hub.code()))


def state(hub, learner=LEARNER):
    row = hub.query(lambda: LessonState.get_or_none(LessonState.learner_uuid == learner))
    return row and (bool(row.completed), row.step, row.time_spent, bool(row.with_help))


def test_a_lesson_keeps_its_furthest_progress_whatever_the_order(kiosk, hub):
    raw = raw_kiosk(kiosk, hub)
    events = [make(1, "lesson.progressed", lesson(1, time_spent=30), 1000),
              make(2, "lesson.completed", lesson(4, "completed", 200), 2000),
              make(3, "lesson.progressed", lesson(0, "completed", 210), 3000)]   # re-reading from the start
    assert raw.batch([events[2], events[0]]).json()["acked"] == {"1": 1}         # seq 2 still missing
    assert raw.batch([events[1]]).json()["acked"] == {"1": 3}
    assert state(hub) == (True, 4, 210, False)


def test_merging_does_not_depend_on_arrival_order_or_batching(kiosk, hub):
    raw = raw_kiosk(kiosk, hub)
    rng = random.Random(5)
    history = [(rng.randint(0, 4), rng.choice(["started", "completed"]), n * 10, rng.random() < 0.3)
               for n in range(30)]
    learners = [str(uuid.uuid4()) for _ in range(3)]
    seq = 0
    for learner in learners:
        order = list(range(len(history)))
        rng.shuffle(order)
        batch = []
        for n in order:
            seq += 1
            step, status, spent, helped = history[n]
            batch.append(make(seq, "lesson.progressed", lesson(step, status, spent, helped), 1000 + n, learner))
        for start in range(0, len(batch), rng.randint(3, 9)):
            assert raw.batch(batch[start:start + 9]).status_code == 200
    states = {state(hub, learner) for learner in learners}
    assert len(states) == 1
    assert states.pop()[:3] == (True, 4, 290)


def test_every_quiz_attempt_is_kept_once(kiosk, hub):
    raw = raw_kiosk(kiosk, hub)
    attempts = [make(n, "quiz.attempted", {"attempt": str(uuid.uuid4()), "lesson": "basics-mouse",
                                           "course": "basics", "score": n, "total": 3, "passed": n == 3,
                                           "with_help": False, "answers": {}, "correct": [True] * n},
                     1000 + n) for n in (1, 2, 3)]
    assert raw.batch(attempts).status_code == 200
    assert raw.batch(attempts).json()["duplicates"] == 3
    assert sorted(hub.query(lambda: [a.score for a in QuizAttempt.select()])) == [1, 2, 3]


def test_profile_fields_go_to_the_latest_clock_not_the_latest_arrival(kiosk, hub):
    raw = raw_kiosk(kiosk, hub)
    created = make(1, "learner.created", {"name": "Awa", "picture": "sun", "prefs": {"text_size": 100}}, 1000)
    renamed = make(2, "learner.renamed", {"name": "Awa D."}, 3000)
    prefs = make(3, "learner.prefs", {"prefs": {"text_size": 200}}, 2000)
    assert raw.batch([renamed]).status_code == 200
    assert raw.batch([prefs, created]).status_code == 200
    person = hub.query(lambda: Learner.get_by_id(LEARNER))
    assert (person.name, person.picture, person.prefs) == ("Awa D.", "sun", '{"text_size": 200}')


def test_erasure_deletes_the_learner_on_the_hub_and_resending_does_not_bring_them_back(kiosk, hub):
    raw = raw_kiosk(kiosk, hub)
    other = str(uuid.uuid4())
    history = [make(1, "learner.created", {"name": "Awa", "picture": "sun", "prefs": {}}, 1000),
               make(2, "lesson.progressed", lesson(2, time_spent=60), 2000),
               make(3, "quiz.attempted", {"attempt": str(uuid.uuid4()), "lesson": "basics-mouse", "course": "basics",
                                          "score": 1, "total": 3, "passed": False, "answers": {}, "correct": []}, 2500),
               make(4, "lesson.progressed", lesson(1), 2600, learner=other)]
    assert raw.batch(history).status_code == 200
    assert raw.batch([make(5, "learner.erased", {}, 3000)]).json()["acked"] == {"1": 5}
    assert hub.query(lambda: (Learner.select().where(Learner.uuid == LEARNER).count(),
                              LessonState.select().where(LessonState.learner_uuid == LEARNER).count(),
                              QuizAttempt.select().count())) == (0, 0, 0)
    assert hub.query(lambda: Event.select().where(Event.learner_uuid == LEARNER).count()) == 0
    assert hub.query(lambda: Erased.select().count()) == 1
    assert state(hub, other) is not None                        # other learners are untouched
    assert raw.batch(history[:3]).json()["duplicates"] == 3     # a lost ack makes the kiosk resend
    later = make(1, "lesson.progressed", lesson(3), 4000, epoch=2)   # a kiosk restored from an old backup
    assert raw.batch([later]).status_code == 200
    assert hub.query(lambda: LessonState.select().where(LessonState.learner_uuid == LEARNER).count()) == 0
    assert hub.query(lambda: Event.select().where(Event.payload.is_null()).count()) == 5


def test_each_epoch_has_its_own_sequence(kiosk, hub):
    raw = raw_kiosk(kiosk, hub)
    assert raw.batch([make(1, "lesson.progressed", lesson(1), 1000), make(2, "lesson.progressed", lesson(2), 1001)]
                     ).json()["acked"] == {"1": 2}
    answer = raw.batch([make(1, "lesson.progressed", lesson(3), 1002, epoch=2),
                        make(3, "lesson.progressed", lesson(3), 1003)])
    assert answer.json()["acked"] == {"1": 3, "2": 1}
