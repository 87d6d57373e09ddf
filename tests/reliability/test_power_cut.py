"""Power cuts during the kiosk's real progress writes: the database stays sound and nothing acknowledged is lost."""
import random
import sqlite3

import pytest

from kiosk import progress
from kiosk.content.quizmodel import Choice, Question, Quiz
from kiosk.db import PRAGMAS, database, open_database
from kiosk.learners import create_learner
from tests.reliability.crashvfs import CrashState, CrashVFS, PowerCut, crash_image

apsw_ext = pytest.importorskip("playhouse.apsw_ext")
pytestmark = pytest.mark.slow

QUIZ = Quiz(questions=[Question(kind="single", text="Q?", choices=[Choice("a", True), Choice("b")])])
STEPS = 12


def run_until_cut(folder, cut_at):
    """Open the kiosk's database through the crash VFS, make a learner, then write progress until the cut."""
    state = CrashState()
    name = f"crash-{id(state)}"
    vfs = CrashVFS(name, state)
    path = folder / "relais.sqlite3"
    open_database(path, factory=lambda p: apsw_ext.APSWDatabase(str(p), pragmas=PRAGMAS, vfs=name))
    acknowledged = []
    try:
        with database.connection_context():
            learner = create_learner("Awa", "sun", None, None)
            state.cut_at = state.ops + cut_at
            for i in range(STEPS):
                if i % 3 == 2:
                    progress.record_quiz_attempt(learner, f"lesson-{i}", "course", QUIZ, {0: ["0"]}, 3)
                else:
                    progress.record_step(learner, f"lesson-{i}", "course", 1, 3)
                acknowledged.append(f"lesson-{i}")          # the learner saw "saved"
    except (PowerCut, Exception) as error:                  # the cut surfaces as peewee/apsw errors
        if not state.crashed:
            raise error
    finally:
        try:
            database.obj.close()
        except Exception:
            pass
        vfs.unregister()
    return state, acknowledged, path


def test_the_workload_without_a_cut_takes_enough_operations(tmp_path):
    state, acknowledged, _ = run_until_cut(tmp_path, float("inf"))
    assert len(acknowledged) == STEPS and state.ops > 100


@pytest.mark.parametrize("seed", range(4))
def test_200_power_cuts_never_corrupt_or_lose_acknowledged_progress(tmp_path, seed):
    total = run_until_cut(tmp_path / "count", float("inf"))[0].ops
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, total), 50))          # 4 seeds × 50 = 200 cut points
    for cut in cuts:
        state, acknowledged, path = run_until_cut(tmp_path / f"run-{cut}", cut)
        image = tmp_path / f"image-{cut}"
        crash_image(state, [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")],
                    image, rng)
        db = sqlite3.connect(image / path.name)
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"corrupt after cut {cut}"
            stored = {row[0] for row in db.execute("SELECT lesson_key FROM progress")}
            missing = set(acknowledged) - stored
            assert not missing, f"cut {cut}: acknowledged progress lost: {missing}"
            events = {row[0] for row in db.execute(
                "SELECT json_extract(payload, '$.lesson') FROM outbox_event WHERE type LIKE 'lesson.%'")}
            assert stored <= events, f"cut {cut}: progress without its outbox event"
        finally:
            db.close()
