"""The kiosk's tables as peewee models; the schema itself is made by kiosk/migrations.

The outbox and sync tables share the file but belong to sync.client (outbox, state, meter)."""
from __future__ import annotations

import peewee as pw

from sync.base.database import JSONField

from .db import BaseModel


class Course(BaseModel):
    id = pw.TextField(primary_key=True)
    folder = pw.TextField()
    position = pw.IntegerField()
    language = pw.TextField()
    cover = pw.TextField(null=True)
    completion = JSONField()
    texts = JSONField()            # language → {title, description, audience, cover_alt, skills}
    fingerprint = pw.TextField()

    @classmethod
    def in_order(cls):
        return cls.select().order_by(cls.position, cls.id)


class Lesson(BaseModel):
    key = pw.TextField(primary_key=True)      # the stable id progress is recorded against
    course = pw.ForeignKeyField(Course, backref="lessons", on_delete="CASCADE")
    slug = pw.TextField()
    position = pw.IntegerField()
    duration = pw.IntegerField(null=True)
    source = pw.TextField()
    fingerprint = pw.TextField()


class LessonVersion(BaseModel):
    """A lesson in one language, rendered and sanitised at index time."""

    lesson = pw.ForeignKeyField(Lesson, backref="versions", on_delete="CASCADE", column_name="lesson_id")
    language = pw.TextField()
    title = pw.TextField()
    objectives = JSONField()
    level = pw.TextField()
    tags = JSONField()
    steps = JSONField()             # [{title, html}]
    quiz = JSONField(null=True)
    audio = pw.TextField(null=True)
    source = pw.TextField()
    crcn = pw.TextField(default="")             # the CRCN competence the lesson declares ("" for none)
    crcn_level = pw.IntegerField(default=0)


class ContentFile(BaseModel):
    path = pw.TextField(primary_key=True)
    problems = JSONField()
    skipped = pw.BooleanField()


class Learner(BaseModel):
    uuid = pw.TextField(unique=True)          # pseudonymous id, the only one that leaves the kiosk
    name = pw.TextField()
    picture = pw.TextField()
    pin_hash = pw.TextField(null=True)
    prefs = JSONField()
    created_at = pw.FloatField()
    last_active = pw.FloatField()
    failed_pins = pw.IntegerField(default=0)
    locked_until = pw.FloatField(default=0)
    last_lesson = pw.TextField(null=True)
    origin = pw.TextField(null=True)          # the centre whose kiosk made the card; null: made here
    local_only = pw.BooleanField(default=False)   # "keep this card on this kiosk only": it never travels
    name_hlc = pw.TextField(default="")       # HLC of the name, preferences and PIN last received from the hub
    prefs_hlc = pw.TextField(default="")
    pin_hlc = pw.TextField(default="")


class LearnerSession(BaseModel):
    token_hash = pw.TextField(primary_key=True)
    learner = pw.ForeignKeyField(Learner, on_delete="CASCADE")
    created_at = pw.FloatField()
    last_seen = pw.FloatField()


class Progress(BaseModel):
    learner = pw.ForeignKeyField(Learner, backref="progress", on_delete="CASCADE")
    lesson_key = pw.TextField()
    course_id = pw.TextField()
    status = pw.TextField()                   # started or completed
    step = pw.IntegerField()
    steps_total = pw.IntegerField()
    time_spent = pw.IntegerField()            # seconds
    first_seen = pw.FloatField()
    last_seen = pw.FloatField()
    completed_at = pw.FloatField(null=True)
    with_help = pw.BooleanField(default=False)


class QuizAttempt(BaseModel):
    uuid = pw.TextField(unique=True)
    learner = pw.ForeignKeyField(Learner, backref="attempts", on_delete="CASCADE")
    lesson_key = pw.TextField()
    course_id = pw.TextField()
    answers = JSONField()
    results = JSONField()
    score = pw.IntegerField()
    total = pw.IntegerField()
    passed = pw.BooleanField()
    with_help = pw.BooleanField(default=False)
    created_at = pw.FloatField()


class Facilitator(BaseModel):
    name = pw.TextField(unique=True)
    password_hash = pw.TextField()
    created_at = pw.FloatField()
    failed_logins = pw.IntegerField(default=0)
    locked_until = pw.FloatField(default=0)


class FacilitatorSession(BaseModel):
    token_hash = pw.TextField(primary_key=True)
    facilitator = pw.ForeignKeyField(Facilitator, on_delete="CASCADE")
    created_at = pw.FloatField()
    last_seen = pw.FloatField()


class KioskSetting(BaseModel):
    """A setting changed on the facilitator's settings page; overrides the configured value."""

    key = pw.TextField(primary_key=True)
    value = JSONField()


class LearnerGroup(BaseModel):
    """A workshop ("atelier du mardi"): learners who follow assigned courses together."""

    name = pw.TextField(unique=True)
    created_at = pw.FloatField()


class GroupMember(BaseModel):
    group = pw.ForeignKeyField(LearnerGroup, backref="members", on_delete="CASCADE")
    learner = pw.ForeignKeyField(Learner, backref="groups", on_delete="CASCADE")

    class Meta:
        primary_key = pw.CompositeKey("group", "learner")


class GroupCourse(BaseModel):
    group = pw.ForeignKeyField(LearnerGroup, backref="courses", on_delete="CASCADE")
    course_id = pw.TextField()

    class Meta:
        primary_key = pw.CompositeKey("group", "course_id")


class Certificate(BaseModel):
    code = pw.TextField(unique=True)
    learner = pw.ForeignKeyField(Learner, backref="certificates", on_delete="CASCADE")
    course_id = pw.TextField()
    issued_at = pw.FloatField()
    credential = pw.TextField(null=True)     # the signed Open Badges 3.0 credential, as JSON
    badge_sent = pw.BooleanField(default=False)   # the credential went to the hub in the certificate's event
