"""Learners on a shared kiosk: profiles without email or password, an optional 4-digit PIN."""
from __future__ import annotations

import math
import re
import threading
import time
import unicodedata
import uuid
from collections import deque

import peewee
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from sync.base.lockout import Lockout
from sync.client import outbox

from . import typed_text
from .db import database
from .i18n import LANGUAGES
from .models import Learner

PICTURES = ("sun", "tree", "cat", "bird", "flower", "boat", "house", "star", "fish", "apple",
            "moon", "bike")
PICTURE_NAMES = {
    "sun": _l("Sun"), "tree": _l("Tree"), "cat": _l("Cat"), "bird": _l("Bird"), "flower": _l("Flower"),
    "boat": _l("Boat"), "house": _l("House"), "star": _l("Star"), "fish": _l("Fish"), "apple": _l("Apple"),
    "moon": _l("Moon"), "bike": _l("Bicycle"),
}
PIN_HASH = "scrypt:16384:8:1"          # ~16 MB and a few tens of ms on a Raspberry Pi
DEFAULT_PREFS = {"text_size": 100, "contrast": False, "reduced_motion": False, "read_aloud": True,
                 "language": None, "easy_read": False}
PREF_CHOICES = {"text_size": (100, 150, 200)}
FIRST_SCREEN_PREFS = ("text_size", "contrast", "easy_read")     # offered before a card is picked (kiosk/views/prefs.py)
NAME_MAX = 40


class FormError(ValueError):
    """A learner's input that cannot be accepted; `field` says which control it belongs to."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field, self.message = field, message


def validate_name(name: str) -> str:
    """A card's name as it is kept and synced: NFC, one line, at most NAME_MAX letters, no control character."""
    raw = name if isinstance(name, str) else ""
    name = typed_text.one_line(raw)
    if not name:
        raise FormError("name", _l("Please type a first name or a nickname."))
    if len(name) > NAME_MAX:
        raise FormError("name", _l("This name is too long: %(max)s letters at most.", max=NAME_MAX))
    if typed_text.unkeepable(raw):
        raise FormError("name", _l("This name has a character the kiosk cannot keep. Please type it again "
                                   "with letters, numbers and spaces."))
    return name


def validate_pin(pin: str, confirm: str | None = None) -> str | None:
    pin = (pin or "").strip()
    if not pin:
        return None
    if not re.fullmatch(r"\d{4}", pin):
        raise FormError("pin", _l("The PIN must be exactly 4 digits, for example 2580."))
    if confirm is not None and pin != (confirm or "").strip():
        raise FormError("pin_confirm", _l("The two PINs are not the same. Please type them again."))
    return pin


def create_learner(name: str, picture: str, pin: str | None, language: str | None, now=time.time,
                   prefs: dict | None = None) -> Learner:
    """Make a profile; the outbox event goes in the same transaction.

    `prefs` are the display settings chosen before the card existed (on the first screens)."""
    name = validate_name(name)
    if not isinstance(picture, str) or picture not in PICTURES:
        raise FormError("picture", _l("Please choose a picture."))
    prefs = known_prefs(dict(prefs or {}, language=language))     # an unknown language is the kiosk's default
    with database.atomic():
        learner = Learner.create(uuid=str(uuid.uuid4()), name=name, picture=picture,
                                 pin_hash=generate_password_hash(pin, PIN_HASH) if pin else None,
                                 prefs=prefs, created_at=now(), last_active=now())
        outbox.append("learner.created", learner.uuid, {"name": name, "picture": picture, "prefs": prefs,
                                                         "pin_hash": learner.pin_hash}, clock=now)   # the card travels
    return learner


def known_prefs(prefs) -> dict:
    """Every preference the kiosk knows, each with a value it offers; anything else is the default."""
    prefs = prefs if isinstance(prefs, dict) else {}
    return {key: prefs[key] if key in prefs and pref_allowed(key, prefs[key]) else default
            for key, default in DEFAULT_PREFS.items()}


def pref_allowed(key: str, value) -> bool:
    """Whether `value` is one the settings page offers for preference `key`."""
    if key == "language":
        return value is None or (isinstance(value, str) and value in LANGUAGES)
    if key in PREF_CHOICES:
        return type(value) is int and value in PREF_CHOICES[key]
    return key in DEFAULT_PREFS and isinstance(value, bool)


def update_prefs(learner: Learner, changes: dict, now=time.time) -> Learner:
    """Store accessibility and language preferences; they follow the learner and are synced.

    Unknown keys and values the kiosk does not offer are ignored (the current value stays)."""
    prefs = known_prefs(learner.prefs)
    prefs.update({k: v for k, v in changes.items() if pref_allowed(k, v)})
    if prefs == learner.prefs:
        return learner
    with database.atomic():
        Learner.update(prefs=prefs).where(Learner.id == learner.id).execute()
        outbox.append("learner.prefs", learner.uuid, {"prefs": prefs}, clock=now)
    learner.prefs = prefs
    return learner


def fold(text: str) -> str:
    """A name as searched and compared: no accents, no case ("Hélène" and "helene" are the same)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


# A card's columns, read by prepared SQL where every visitor's request reads cards ("Who is learning?" and
# each learner's own request): peewee builds a query anew on every call, which costs more than the query.
_FIELDS = tuple((field.name, field.python_value) for field in Learner._meta.sorted_fields)
COLUMNS = ", ".join(f"l.{field.column_name}" for field in Learner._meta.sorted_fields)
_RECENT = f"SELECT {COLUMNS} FROM {Learner._meta.table_name} l ORDER BY l.last_active DESC, l.id DESC LIMIT ? OFFSET ?"
_COUNT = f"SELECT count(*) FROM {Learner._meta.table_name}"


def from_row(row) -> Learner:
    """A Learner from a row of COLUMNS (extra columns after them are left to the caller)."""
    learner = Learner(__no_default__=1)         # as peewee makes a row it read: nothing to save yet
    # Its data set at once, where keyword arguments would go through each field's setter (half the cost).
    learner.__data__ = {name: convert(value) for (name, convert), value in zip(_FIELDS, row)}
    return learner


def recent(limit: int = 60, offset: int = 0) -> list[Learner]:
    """Profiles shown on the 'Who is learning?' screen, most recently active first."""
    return [from_row(row) for row in database.execute_sql(_RECENT, (limit, offset)).fetchall()]


def count() -> int:
    return database.execute_sql(_COUNT).fetchone()[0]


def find(text: str, limit: int = 60) -> list[Learner]:
    """Cards whose name contains `text`, whatever the accents and case, most recently active first.

    Names are folded here, not in SQL (SQLite's LIKE knows neither accents nor non-Latin case): a kiosk
    has hundreds of cards, not millions, and only the names are read."""
    wanted = fold(text)
    if not wanted:
        return []
    rows = Learner.select(Learner.id, Learner.name).order_by(Learner.last_active.desc(), Learner.id.desc())
    ids = [row.id for row in rows.namedtuples() if wanted in fold(row.name)][:limit]
    by_id = {learner.id: learner for learner in Learner.select().where(Learner.id.in_(ids))}
    return [by_id[i] for i in ids if i in by_id]


def same_name(name: str) -> list[Learner]:
    """Cards whose name is `name` once folded: the person may already have a card."""
    wanted = fold(name)
    rows = Learner.select(Learner.id, Learner.name).namedtuples()
    ids = [row.id for row in rows if fold(row.name) == wanted]
    return list(Learner.select().where(Learner.id.in_(ids)).order_by(Learner.last_active.desc())) if ids else []


def least_used_picture() -> str:
    """The picture a new card starts with: the one fewest cards have (in PICTURES order on a tie)."""
    used = dict(Learner.select(Learner.picture, peewee.fn.COUNT(Learner.id))
                .group_by(Learner.picture).tuples())
    return min(PICTURES, key=lambda picture: used.get(picture, 0))


class PinGuard:
    """Per-learner lockout after repeated wrong PINs, plus a kiosk-wide limit on wrong PINs a minute.

    Each try is claimed before the PIN is compared, on the kiosk and on the card, so that however many
    tries arrive at once no more are compared than the limits allow. The kiosk runs as one process, so
    the kiosk-wide window lives in memory (behind a lock: waitress serves from several threads); the
    per-learner lock is in the database (the rule facilitators' passwords follow) and survives a restart.
    """

    def __init__(self, max_tries: int, lock_seconds: int, kiosk_limit: int):
        self.lockout = Lockout(Learner.failed_pins, Learner.locked_until, max_tries, lock_seconds)
        self.kiosk_limit = kiosk_limit
        self._wrong: deque = deque()       # when each wrong PIN of the last minute, or one being compared, came
        self._lock = threading.Lock()

    def wait_seconds(self, learner: Learner, now: float) -> int:
        """How long before this learner may try again (0 = now): the card's lock or the kiosk's."""
        with self._lock:
            kiosk_wait = self._kiosk_wait(now)
        return max(kiosk_wait, self.lockout.wait_seconds(learner.id, now))

    def tries_left(self, learner: Learner) -> int:
        """Wrong PINs this card may still take before it must wait (the count the lockout keeps)."""
        failed = Learner.select(Learner.failed_pins).where(Learner.id == learner.id).scalar() or 0
        return max(0, self.lockout.max_tries - failed)

    def check(self, learner: Learner, pin: str, now: float) -> bool:
        """True when the PIN is right; False when it is wrong or when the card or the kiosk must wait."""
        if learner.pin_hash is None:
            return True
        with self._lock:
            if self._kiosk_wait(now):
                return False
            self._wrong.append(now)         # counted as wrong until the comparison says otherwise
        if not self.lockout.claim(learner.id, now):
            self._forget(now)               # not compared: the card's lock answered
            return False
        if check_password_hash(learner.pin_hash, (pin or "").strip()):
            self.lockout.clear(learner.id)
            self._forget(now)
            return True
        return False

    def _kiosk_wait(self, now: float) -> int:
        """Seconds before the kiosk takes a PIN again (0 = now); call with the lock held."""
        while self._wrong and self._wrong[0] < now - 60:
            self._wrong.popleft()
        return max(1, math.ceil(self._wrong[0] + 60 - now)) if len(self._wrong) >= self.kiosk_limit else 0

    def _forget(self, when: float) -> None:
        with self._lock:
            try:
                self._wrong.remove(when)
            except ValueError:              # already out of the window
                pass
