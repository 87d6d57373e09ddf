"""Certificates by their code, and summaries per learner, per learner and course and per kiosk, kept at ingest
(sync/hub/summaries.py); filled here once from what the hub already holds, so /verify and the learners page
never read the events table."""
from __future__ import annotations

import json
import re

import peewee as pw

from ..certificates import badge_of  # the one rule for a payload's badge, at ingest and here
from ..event_forms import expand, type_code   # a type and payload in either form (migration 14)
from .frozen import FrozenModel, create_tables

NUMBER = 10
CODE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")
CHUNK = 1000


class Certificate(FrozenModel):
    code = pw.TextField(primary_key=True)
    learner_uuid = pw.TextField(index=True)
    kiosk_id = pw.TextField()
    course_id = pw.TextField()
    course_title = pw.TextField(null=True)
    name = pw.TextField(null=True)
    centre = pw.TextField(null=True)
    issued_at = pw.DoubleField(null=True)
    proof = pw.TextField(null=True, index=True)
    credential = pw.TextField(null=True)


class LearnerSummary(FrozenModel):
    learner_uuid = pw.TextField(primary_key=True)
    kiosk_id = pw.TextField()
    centre = pw.TextField()
    name = pw.TextField(null=True)
    name_key = pw.TextField(default="")
    lessons_started = pw.IntegerField(default=0)
    lessons_completed = pw.IntegerField(default=0)
    done_alone = pw.IntegerField(default=0)
    done_with_help = pw.IntegerField(default=0)
    seconds = pw.BigIntegerField(default=0)
    quiz_attempts = pw.IntegerField(default=0)
    quizzes_passed = pw.IntegerField(default=0)
    certificates = pw.IntegerField(default=0)
    last_seen = pw.DoubleField(null=True)

    class Meta:
        indexes = ((("centre", "name_key", "learner_uuid"), False),)


class LearnerCourse(FrozenModel):
    learner_uuid = pw.TextField()
    course_id = pw.TextField()
    lessons_started = pw.IntegerField(default=0)
    lessons_completed = pw.IntegerField(default=0)
    done_alone = pw.IntegerField(default=0)
    done_with_help = pw.IntegerField(default=0)
    seconds = pw.BigIntegerField(default=0)
    quiz_attempts = pw.IntegerField(default=0)
    quizzes_passed = pw.IntegerField(default=0)

    class Meta:
        primary_key = pw.CompositeKey("learner_uuid", "course_id")


class KioskSummary(FrozenModel):
    kiosk_id = pw.TextField(primary_key=True)
    centre = pw.TextField(index=True)
    learners = pw.IntegerField(default=0)
    lessons_completed = pw.BigIntegerField(default=0)
    done_alone = pw.BigIntegerField(default=0)
    done_with_help = pw.BigIntegerField(default=0)
    seconds = pw.BigIntegerField(default=0)
    quizzes_passed = pw.BigIntegerField(default=0)
    certificates = pw.BigIntegerField(default=0)
    last_seen = pw.DoubleField(null=True)


MODELS = [Certificate, LearnerSummary, LearnerCourse, KioskSummary]

COURSES = """INSERT INTO learner_course (learner_uuid, course_id, lessons_started, lessons_completed, done_alone,
 done_with_help, seconds, quiz_attempts, quizzes_passed)
SELECT learner_uuid, course_id, SUM(s), SUM(c), SUM(a), SUM(h), SUM(t), SUM(q), SUM(p) FROM (
 SELECT learner_uuid, course_id, COUNT(*) AS s, SUM(CASE WHEN completed THEN 1 ELSE 0 END) AS c,
  SUM(CASE WHEN completed AND NOT with_help THEN 1 ELSE 0 END) AS a,
  SUM(CASE WHEN completed AND with_help THEN 1 ELSE 0 END) AS h, SUM(time_spent) AS t, 0 AS q, 0 AS p
 FROM lesson_state GROUP BY learner_uuid, course_id
 UNION ALL
 SELECT learner_uuid, course_id, 0, 0, 0, 0, 0, COUNT(*), SUM(CASE WHEN passed THEN 1 ELSE 0 END)
 FROM quiz_attempt GROUP BY learner_uuid, course_id) AS both_kinds
GROUP BY learner_uuid, course_id"""

LEARNERS = """INSERT INTO learner_summary (learner_uuid, kiosk_id, centre, name, name_key, lessons_started,
 lessons_completed, done_alone, done_with_help, seconds, quiz_attempts, quizzes_passed, certificates, last_seen)
SELECT l.uuid, l.kiosk_id, COALESCE(k.centre, ''), l.name, LOWER(COALESCE(l.name, '')),
 COALESCE(t.s, 0), COALESCE(t.c, 0), COALESCE(t.a, 0), COALESCE(t.h, 0), COALESCE(t.t, 0), COALESCE(t.q, 0),
 COALESCE(t.p, 0), (SELECT COUNT(*) FROM certificate AS x WHERE x.learner_uuid = l.uuid),
 CASE WHEN l.last_hlc = '' THEN NULL ELSE CAST(SUBSTR(l.last_hlc, 1, 15) AS BIGINT) / 1000.0 END
FROM learner AS l LEFT JOIN kiosk AS k ON k.id = l.kiosk_id
LEFT JOIN (SELECT learner_uuid, SUM(lessons_started) AS s, SUM(lessons_completed) AS c, SUM(done_alone) AS a,
 SUM(done_with_help) AS h, SUM(seconds) AS t, SUM(quiz_attempts) AS q, SUM(quizzes_passed) AS p
 FROM learner_course GROUP BY learner_uuid) AS t ON t.learner_uuid = l.uuid"""

KIOSKS = """INSERT INTO kiosk_summary (kiosk_id, centre, learners, lessons_completed, done_alone, done_with_help,
 seconds, quizzes_passed, certificates, last_seen)
SELECT kiosk_id, MIN(centre), COUNT(*), SUM(lessons_completed), SUM(done_alone), SUM(done_with_help), SUM(seconds),
 SUM(quizzes_passed), SUM(certificates), MAX(last_seen) FROM learner_summary GROUP BY kiosk_id"""


def apply(db):
    create_tables(db, MODELS)
    _certificates(db)
    db.execute_sql(COURSES)
    db.execute_sql(LEARNERS)
    _casefold_names(db)
    db.execute_sql(KIOSKS)


def _certificates(db) -> None:
    """Every certificate.issued event still holding its content, read in chunks of arrival order."""
    mark, after = db.param, 0
    while True:
        rows = db.execute_sql(f"SELECT \"row\", kiosk_id, learner_uuid, payload FROM event WHERE \"row\" > {mark} AND "
                              f"type IN ({mark}, {mark}) AND payload IS NOT NULL ORDER BY \"row\" LIMIT {CHUNK}",
                              [after, "certificate.issued", type_code("certificate.issued")]).fetchall()
        if not rows:
            return
        after = rows[-1][0]
        found = [c for c in (_certificate(*r[1:]) for r in rows) if c]
        if found:
            with db.bind_ctx([Certificate]):
                Certificate.insert_many(found).on_conflict_ignore().execute()


def _certificate(kiosk_id, learner, payload) -> dict | None:
    try:
        p = json.loads(expand(payload))
    except ValueError:
        return None
    code = p.get("code") if isinstance(p, dict) else None
    if not learner or not isinstance(code, str) or not CODE.match(code):
        return None
    issued = p.get("issued_at")
    text = {k: None if p.get(k) is None else str(p.get(k)) for k in ("course_title", "name", "centre")}
    proof, credential = badge_of(p)
    return dict(code=code, learner_uuid=learner, kiosk_id=kiosk_id, course_id=str(p.get("course", "")),
                issued_at=float(issued) if isinstance(issued, (int, float)) and not isinstance(issued, bool)
                else None, proof=proof, credential=credential, **text)


def _casefold_names(db) -> None:
    """SQL's LOWER differs between databases beyond ASCII: keep Python's casefold, as ingest does."""
    with db.bind_ctx([LearnerSummary]):
        for uuid, name, key in list(LearnerSummary.select(LearnerSummary.learner_uuid, LearnerSummary.name,
                                                          LearnerSummary.name_key).tuples()):
            if (name or "").casefold() != key:
                LearnerSummary.update(name_key=(name or "").casefold()) \
                    .where(LearnerSummary.learner_uuid == uuid).execute()
