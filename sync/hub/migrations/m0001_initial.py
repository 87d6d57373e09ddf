"""The first hub schema: settings, facilitators, enrolment codes, kiosks, the event ledger, merged state.

Frozen as the hub's models stood when the hub first landed; later changes are later migrations.
"""
from __future__ import annotations

import peewee as pw

from .frozen import FrozenModel, create_tables

NUMBER = 1


class Setting(FrozenModel):
    key = pw.TextField(primary_key=True)
    value = pw.TextField()


class Facilitator(FrozenModel):
    name = pw.TextField(unique=True)
    password_hash = pw.TextField()
    created_at = pw.FloatField()


class EnrollCode(FrozenModel):
    code_hash = pw.TextField(primary_key=True)
    centre = pw.TextField()
    created_at = pw.FloatField()
    expires_at = pw.FloatField()
    used_at = pw.FloatField(null=True)
    kiosk_id = pw.TextField(null=True)


class Kiosk(FrozenModel):
    id = pw.TextField(primary_key=True)
    centre = pw.TextField()
    secret = pw.TextField()
    installation = pw.TextField(null=True)
    enrolled_at = pw.FloatField()
    last_seen = pw.FloatField(null=True)
    events_received = pw.BigIntegerField(default=0)
    pending_reported = pw.BigIntegerField(default=0)
    last_hlc = pw.TextField(null=True)


class KioskEpoch(FrozenModel):
    kiosk = pw.ForeignKeyField(Kiosk, on_delete="CASCADE")
    epoch = pw.IntegerField()
    acked_seq = pw.BigIntegerField(default=0)

    class Meta:
        primary_key = pw.CompositeKey("kiosk", "epoch")


class Nonce(FrozenModel):
    kiosk_id = pw.TextField()
    nonce = pw.TextField()
    seen_at = pw.FloatField(index=True)

    class Meta:
        primary_key = pw.CompositeKey("kiosk_id", "nonce")


class Event(FrozenModel):
    row = pw.BigAutoField()
    id = pw.TextField(unique=True)
    kiosk_id = pw.TextField()
    epoch = pw.IntegerField()
    seq = pw.BigIntegerField()
    digest = pw.TextField()
    learner_uuid = pw.TextField(null=True, index=True)
    hlc = pw.TextField()
    type = pw.TextField()
    payload = pw.TextField(null=True)
    received_at = pw.FloatField()

    class Meta:
        indexes = ((("kiosk_id", "epoch", "seq"), True),)


class Learner(FrozenModel):
    uuid = pw.TextField(primary_key=True)
    kiosk_id = pw.TextField()
    name = pw.TextField(null=True)
    name_hlc = pw.TextField(default="")
    picture = pw.TextField(null=True)
    prefs = pw.TextField(null=True)
    prefs_hlc = pw.TextField(default="")
    last_hlc = pw.TextField(default="")


class LessonState(FrozenModel):
    learner_uuid = pw.TextField()
    lesson_key = pw.TextField()
    course_id = pw.TextField()
    completed = pw.BooleanField(default=False)
    step = pw.IntegerField(default=0)
    steps_total = pw.IntegerField(default=0)
    time_spent = pw.IntegerField(default=0)
    with_help = pw.BooleanField(default=False)
    help_hlc = pw.TextField(default="")
    first_hlc = pw.TextField()
    last_hlc = pw.TextField()

    class Meta:
        primary_key = pw.CompositeKey("learner_uuid", "lesson_key")


class QuizAttempt(FrozenModel):
    attempt = pw.TextField(primary_key=True)
    learner_uuid = pw.TextField(index=True)
    lesson_key = pw.TextField()
    course_id = pw.TextField()
    score = pw.IntegerField()
    total = pw.IntegerField()
    passed = pw.BooleanField()
    with_help = pw.BooleanField(default=False)
    hlc = pw.TextField()
    event_id = pw.TextField()


class Erased(FrozenModel):
    learner_uuid = pw.TextField(primary_key=True)
    erased_at = pw.FloatField()


MODELS = [Setting, Facilitator, EnrollCode, Kiosk, KioskEpoch, Nonce, Event, Learner, LessonState,
          QuizAttempt, Erased]


def apply(db):
    create_tables(db, MODELS)
