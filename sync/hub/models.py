"""The hub's tables: kiosks and their credentials, the event ledger, and the merged learner state."""
from __future__ import annotations

import peewee as pw

from .db import HubModel
from .event_forms import ClockField, EventTypeField, PayloadField


class UuidText(pw.Field):
    """A uuid, read and written as its text: native `uuid` on PostgreSQL (16 bytes), text on SQLite."""

    field_type = "UUID"

    def python_value(self, value):
        return None if value is None else str(value)


class Setting(HubModel):
    """Values every hub process must share (the session signing key), kept in the database."""

    key = pw.TextField(primary_key=True)
    value = pw.TextField()


class Facilitator(HubModel):
    name = pw.TextField(unique=True)
    password_hash = pw.TextField()
    created_at = pw.DoubleField()
    failed_logins = pw.IntegerField(default=0)
    locked_until = pw.DoubleField(default=0)


class FacilitatorSession(HubModel):
    """A signed-in facilitator: the cookie holds a random token, this row its SHA-256 (sync/base/facilitator_sessions)."""

    token_hash = pw.TextField(primary_key=True)
    facilitator = pw.ForeignKeyField(Facilitator, on_delete="CASCADE")
    created_at = pw.DoubleField()
    last_seen = pw.DoubleField()


class EnrollCode(HubModel):
    """A one-time code a kiosk trades for its id and secret; only its hash is kept."""

    code_hash = pw.TextField(primary_key=True)
    centre = pw.TextField()
    created_at = pw.DoubleField()
    expires_at = pw.DoubleField()
    used_at = pw.DoubleField(null=True)
    kiosk_id = pw.TextField(null=True)


class Kiosk(HubModel):
    id = pw.TextField(primary_key=True)
    centre = pw.TextField()
    secret = pw.TextField()                   # the HMAC key: the hub must hold it to check signatures
    installation = pw.TextField(null=True)    # the kiosk's own id, for the facilitator's eyes only
    enrolled_at = pw.DoubleField()
    last_seen = pw.DoubleField(null=True)
    events_received = pw.BigIntegerField(default=0)
    pending_reported = pw.BigIntegerField(default=0)   # events the kiosk still held at its last upload
    last_hlc = pw.TextField(null=True)


class KioskEpoch(HubModel):
    """How far a kiosk's sequence is contiguous in one epoch: the acknowledgement."""

    kiosk = pw.ForeignKeyField(Kiosk, on_delete="CASCADE")
    epoch = pw.IntegerField()
    acked_seq = pw.BigIntegerField(default=0)

    class Meta:
        primary_key = pw.CompositeKey("kiosk", "epoch")


class Nonce(HubModel):
    """Nonces seen inside the clock window: a replayed request finds its nonce here."""

    kiosk_id = pw.TextField()
    nonce = pw.TextField()
    seen_at = pw.DoubleField(index=True)

    class Meta:
        primary_key = pw.CompositeKey("kiosk_id", "nonce")


class Event(HubModel):
    """Every event received, once. An erased learner's events keep only id, kiosk and sequence (no payload).

    On PostgreSQL (migrations 11 and 14) the table is partitioned by month of `received_at`, and what makes
    an event once is the narrow table `event_seen` beside it, which also finds an event by its id
    (sync/hub/event_places.py, docs/hub-storage.md). No digest is kept (migration 14): a resent event is
    compared with the fields stored. The kiosk is kept as its number (migration 15): `KioskNumber` gives its id.
    """

    row = pw.BigAutoField()                  # arrival order, for xAPI paging
    id = UuidText(unique=True)               # unique on SQLite; on PostgreSQL `event_seen` holds the key
    kiosk = pw.IntegerField()                # KioskNumber.number
    epoch = pw.IntegerField()
    seq = pw.BigIntegerField()
    learner_uuid = UuidText(null=True, index=True)
    hlc = ClockField()                       # read as its text, kept in 10 bytes
    type = EventTypeField()                  # compared and read as its name, kept as a short code
    payload = PayloadField(null=True)        # canonical JSON; null once the learner is erased
    received_at = pw.DoubleField()

    class Meta:
        indexes = ((("kiosk", "epoch", "seq"), True),)


class KioskNumber(HubModel):
    """A number for each kiosk (migrations 11 and 15): 4 bytes in each event and each key of `event_seen`
    instead of a 36-character id. A number never changes nor goes to another kiosk."""

    number = pw.AutoField()
    kiosk_id = pw.TextField(unique=True)


class EventSeen(HubModel):
    """PostgreSQL only (migrations 11 and 14): each event's place, id and row, once, across every monthly partition.

    `row` is the event's row in `event` (null for events moved there before migration 14 whose partition
    had already been archived): reads by id find the event through it."""

    kiosk = pw.IntegerField()                 # KioskNumber.number
    epoch = pw.IntegerField()
    seq = pw.BigIntegerField()
    row = pw.BigIntegerField(null=True)
    id = UuidText(unique=True)

    class Meta:
        primary_key = pw.CompositeKey("kiosk", "epoch", "seq")


class Learner(HubModel):
    """A learner's profile: each field is the value with the latest HLC (last writer wins)."""

    uuid = pw.TextField(primary_key=True)
    kiosk_id = pw.TextField()
    name = pw.TextField(null=True)
    name_hlc = pw.TextField(default="")
    picture = pw.TextField(null=True)
    prefs = pw.TextField(null=True)
    prefs_hlc = pw.TextField(default="")
    last_hlc = pw.TextField(default="")
    pin_hash = pw.TextField(null=True)        # the card's PIN as the kiosk hashed it (learner.pin)
    pin_hlc = pw.TextField(default="")        # "": the hub never heard of the PIN, the card does not travel
    local_only = pw.BooleanField(default=False)   # "on this kiosk only" (learner.roaming): never sent
    local_hlc = pw.TextField(default="")
    card_seq = pw.BigIntegerField(default=0, index=True)   # the hub's change sequence (CardClock) at the last change


class LessonState(HubModel):
    """A learner's furthest progress in one lesson, over every event received."""

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


class QuizAttempt(HubModel):
    """Every quiz attempt, kept; its owner follows the latest HLC (a kiosk may merge two learners)."""

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


class Erased(HubModel):
    """Learners erased on their kiosk: later events about them are not stored (only their uuid is kept)."""

    learner_uuid = pw.TextField(primary_key=True)
    erased_at = pw.DoubleField()
    kiosk_id = pw.TextField(null=True)        # the learner's origin: whose network hears of the erasure
    merged_into = pw.TextField(null=True)     # the card this one was merged into, if it was
    card_seq = pw.BigIntegerField(default=0, index=True)


class Publication(HubModel):
    """A signed content pack offered to kiosks: its manifest byte for byte, and which kiosks it is for.

    Its files live once each in the blob folder, named by SHA-256 (sync/hub/publish.py).
    """

    pack_id = pw.TextField()
    version = pw.BigIntegerField()
    manifest = pw.TextField()                 # the exact signed bytes, as UTF-8 text
    signature = pw.TextField()
    key = pw.TextField()                      # fingerprint of the key that signed it
    files = pw.IntegerField()
    bytes = pw.BigIntegerField()              # the pack's files, unpacked
    blobs = pw.TextField()                    # JSON {sha256: gzip'd size, or 0 when sent as is}
    targets = pw.TextField(null=True)         # JSON list of centres and kiosk ids; null: every kiosk
    published_at = pw.DoubleField()
    published_by = pw.TextField(default="")

    class Meta:
        indexes = ((("pack_id", "version"), True),)


class KioskContent(HubModel):
    """The courses a kiosk said it serves when it last asked for an offer (for the Kiosks page)."""

    kiosk_id = pw.TextField(primary_key=True)
    installed = pw.TextField(null=True)       # "pack.vN", or null: the courses it was installed with
    asked_at = pw.DoubleField()


class SetAside(HubModel):
    """An event the hub could not take as it is: kept aside with why, never merged (docs/sync-protocol.md §5).

    It still holds its place in the kiosk's sequence, so the acknowledgement moves past it."""

    id = pw.TextField(primary_key=True)       # the event's id
    kiosk_id = pw.TextField()
    epoch = pw.IntegerField()
    seq = pw.BigIntegerField()
    learner_uuid = pw.TextField(null=True, index=True)   # when the event names a learner well: erasure empties it
    reason = pw.TextField()                   # a code: too_large, bad_text, not_your_learner, unstorable…
    detail = pw.TextField()                   # what was wrong, in plain English
    excerpt = pw.TextField()                  # the event as received, cut short, every character storable
    size = pw.BigIntegerField()               # bytes of the event as received (compact JSON)
    set_aside_at = pw.DoubleField()

    class Meta:
        indexes = ((("kiosk_id", "epoch", "seq"), True),)


class CardClock(HubModel):
    """The hub's one change sequence for cards (one row): a cursor, never wall-clock time."""

    id = pw.IntegerField(primary_key=True)
    value = pw.BigIntegerField(default=0)


class Network(HubModel):
    """Centres whose kiosks share their learners' cards (by default a centre is its own network)."""

    name = pw.TextField(unique=True)
    created_at = pw.DoubleField()


class NetworkCentre(HubModel):
    centre = pw.TextField(primary_key=True)   # a centre belongs to one network at most
    network = pw.ForeignKeyField(Network, on_delete="CASCADE")


# EventSeen is not in MODELS: migration 11 makes it on PostgreSQL only.
MODELS = [Setting, Facilitator, FacilitatorSession, EnrollCode, Kiosk, KioskEpoch, Nonce, Event, KioskNumber,
          Learner, LessonState, QuizAttempt, Erased, Publication, KioskContent, SetAside,
          CardClock, Network, NetworkCentre]


# Facilitators' scopes (sync/hub/scopes.py holds the rule; migration 9 made these tables).

class CentreRegion(HubModel):
    """The region a centre belongs to; a centre is the name its kiosks were enrolled with (none: no region)."""

    centre = pw.TextField(primary_key=True)
    region = pw.TextField(index=True)


class FacilitatorScope(HubModel):
    """What a hub facilitator may see: everything (national) or their grants; and whether they may change things.

    An account without this row sees nothing (every account had one made at migration 9)."""

    facilitator = pw.ForeignKeyField(Facilitator, primary_key=True, on_delete="CASCADE")
    national = pw.BooleanField(default=False)
    read_only = pw.BooleanField(default=False)


class FacilitatorGrant(HubModel):
    """One region or one centre a facilitator holds (kind "region" or "centre")."""

    facilitator = pw.ForeignKeyField(Facilitator, on_delete="CASCADE")
    kind = pw.TextField()
    name = pw.TextField()

    class Meta:
        primary_key = pw.CompositeKey("facilitator", "kind", "name")


MODELS += [CentreRegion, FacilitatorScope, FacilitatorGrant]


# What the read side looks up instead of scanning events (sync/hub/summaries.py keeps them at ingest;
# migration 10 made these tables and filled them from what the hub held).

class Certificate(HubModel):
    """A certificate issued on a kiosk, found by its code (the public /verify page)."""

    code = pw.TextField(primary_key=True)
    learner_uuid = pw.TextField(index=True)
    kiosk_id = pw.TextField()
    course_id = pw.TextField()
    course_title = pw.TextField(null=True)
    name = pw.TextField(null=True)
    centre = pw.TextField(null=True)
    issued_at = pw.DoubleField(null=True)
    proof = pw.TextField(null=True, index=True)     # its signed badge's proof value (the QR code's link)
    credential = pw.TextField(null=True)            # that badge, countersigned by the hub if it verified


class LearnerCounts(HubModel):
    """The counters a learner's summary and each of their courses' share (summaries.COUNTS); no table of its own."""

    lessons_started = pw.IntegerField(default=0)
    lessons_completed = pw.IntegerField(default=0)
    done_alone = pw.IntegerField(default=0)
    done_with_help = pw.IntegerField(default=0)
    seconds = pw.BigIntegerField(default=0)
    quiz_attempts = pw.IntegerField(default=0)
    quizzes_passed = pw.IntegerField(default=0)


class LearnerSummary(LearnerCounts):
    """One learner's totals over every course, with their origin kiosk's centre (the learners page)."""

    learner_uuid = pw.TextField(primary_key=True)
    kiosk_id = pw.TextField()
    centre = pw.TextField()
    name = pw.TextField(null=True)
    name_key = pw.TextField(default="")        # the name casefolded: the page's order and its search
    certificates = pw.IntegerField(default=0)
    last_seen = pw.DoubleField(null=True)      # the learner's latest event, by its kiosk's clock

    class Meta:
        indexes = ((("centre", "name_key", "learner_uuid"), False),)


class LearnerCourse(LearnerCounts):
    """One learner's totals in one course (the CSV's rows)."""

    learner_uuid = pw.TextField()
    course_id = pw.TextField()

    class Meta:
        primary_key = pw.CompositeKey("learner_uuid", "course_id")


class KioskSummary(HubModel):
    """Totals of the learners enrolled on one kiosk (dashboards add them up by centre and region)."""

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


MODELS += [Certificate, LearnerSummary, LearnerCourse, KioskSummary]


class StatementRef(HubModel):
    """An xAPI statement's id and the event row that gives it, written at ingest (sync/hub/statement_refs.py;
    migrations 12 and 13)."""

    statement_id = UuidText(primary_key=True)
    event_row = pw.BigIntegerField()


MODELS += [StatementRef]
