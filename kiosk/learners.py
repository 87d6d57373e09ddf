"""Learners on a shared kiosk: profiles without email or password, an optional 4-digit PIN."""
from __future__ import annotations

import math
import re
import threading
import time
import uuid
from collections import deque

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from sync.client import outbox

from .db import database
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
                 "language": None}
PREF_CHOICES = {"text_size": (100, 150, 200)}
NAME_MAX = 40


class FormError(ValueError):
    """A learner's input that cannot be accepted; `field` says which control it belongs to."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field, self.message = field, message


def validate_name(name: str) -> str:
    name = re.sub(r"\s+", " ", name or "").strip()
    if not name:
        raise FormError("name", _l("Please type a first name or a nickname."))
    if len(name) > NAME_MAX:
        raise FormError("name", _l("This name is too long: %(max)s letters at most.", max=NAME_MAX))
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


def create_learner(name: str, picture: str, pin: str | None, language: str | None, now=time.time) -> Learner:
    """Make a profile; the outbox event goes in the same transaction."""
    name = validate_name(name)
    if picture not in PICTURES:
        raise FormError("picture", _l("Please choose a picture."))
    prefs = dict(DEFAULT_PREFS, language=language)
    with database.atomic():
        learner = Learner.create(uuid=str(uuid.uuid4()), name=name, picture=picture,
                                 pin_hash=generate_password_hash(pin, PIN_HASH) if pin else None,
                                 prefs=prefs, created_at=now(), last_active=now())
        outbox.append("learner.created", learner.uuid, {"name": name, "picture": picture, "prefs": prefs},
                      clock=now)
    return learner


def update_prefs(learner: Learner, changes: dict, now=time.time) -> Learner:
    """Store accessibility and language preferences; they follow the learner and are synced."""
    prefs = dict(DEFAULT_PREFS, **(learner.prefs or {}))
    prefs.update({k: v for k, v in changes.items() if k in DEFAULT_PREFS})
    if prefs == learner.prefs:
        return learner
    with database.atomic():
        Learner.update(prefs=prefs).where(Learner.id == learner.id).execute()
        outbox.append("learner.prefs", learner.uuid, {"prefs": prefs}, clock=now)
    learner.prefs = prefs
    return learner


def recent(limit: int = 60) -> list[Learner]:
    """Profiles shown on the 'Who is learning?' screen, most recently active first."""
    return list(Learner.select().order_by(Learner.last_active.desc()).limit(limit))


def find(text: str, limit: int = 60) -> list[Learner]:
    """Cards whose name contains `text` (for a kiosk with more learners than one screen shows)."""
    pattern = "%" + text.replace("\\", "").replace("%", "").replace("_", "") + "%"
    return list(Learner.select().where(Learner.name ** pattern).order_by(Learner.name).limit(limit))


class PinGuard:
    """Per-learner lockout after repeated wrong PINs, plus a kiosk-wide limit on wrong PINs a minute.

    The kiosk runs as one process, so the kiosk-wide window lives in memory; the per-learner lock is
    in the database so it survives a restart.
    """

    def __init__(self, max_tries: int, lock_seconds: int, kiosk_limit: int):
        self.max_tries, self.lock_seconds, self.kiosk_limit = max_tries, lock_seconds, kiosk_limit
        self._failures: deque = deque()
        self._lock = threading.Lock()

    def wait_seconds(self, learner: Learner, now: float) -> int:
        """How long before this learner may try again (0 = now)."""
        with self._lock:
            while self._failures and self._failures[0] < now - 60:
                self._failures.popleft()
            kiosk_wait = math.ceil(self._failures[0] + 60 - now) if len(self._failures) >= self.kiosk_limit else 0
        return max(kiosk_wait, math.ceil(learner.locked_until - now) if learner.locked_until > now else 0)

    def check(self, learner: Learner, pin: str, now: float) -> bool:
        """True when the PIN is right; wrong tries count towards the lock."""
        if learner.pin_hash is None:
            return True
        if check_password_hash(learner.pin_hash, (pin or "").strip()):
            Learner.update(failed_pins=0, locked_until=0).where(Learner.id == learner.id).execute()
            return True
        failures = learner.failed_pins + 1
        locked_until = now + self.lock_seconds if failures >= self.max_tries else learner.locked_until
        Learner.update(failed_pins=0 if failures >= self.max_tries else failures,
                       locked_until=locked_until).where(Learner.id == learner.id).execute()
        learner.failed_pins, learner.locked_until = failures, locked_until
        with self._lock:
            self._failures.append(now)
        return False
