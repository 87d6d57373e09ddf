"""Facilitator accounts, one rule for the kiosk and the hub: password length, hashing, and a lockout
after wrong passwords that holds under parallel tries.

Every function takes the Facilitator model to work on (the kiosk's or the hub's); both have the
fields name, password_hash, created_at, failed_logins and locked_until.
"""
from __future__ import annotations

import functools
import time

import peewee
from werkzeug.security import check_password_hash, generate_password_hash

from .lockout import Lockout

MIN_PASSWORD = 10
MAX_TRIES = 5
LOCK_SECONDS = 15 * 60


class LoginRefused(Exception):
    """A refused sign-in; `wait_seconds` is how long the account stays locked (0: not locked).

    `tried` says whether this try counted against the account (its password was compared and wrong).
    """

    def __init__(self, wait_seconds: int = 0, tried: bool = False):
        super().__init__("login refused")
        self.wait_seconds, self.tried = wait_seconds, tried

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, rounded up, for the sign-in page."""
        return (self.wait_seconds + 59) // 60


def create(model: type[peewee.Model], name: str, password: str, now: float | None = None):
    """A new account; ValueError, with a message for a person, for a short password or a taken name."""
    name = (name or "").strip()
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must have at least {MIN_PASSWORD} characters.")
    if not name:
        raise ValueError("a facilitator needs a name.")
    taken = ValueError(f"a facilitator called '{name}' already exists.")
    if model.select().where(model.name == name).exists():
        raise taken
    try:
        with model._meta.database.atomic():    # the name is unique: a second form sent at once loses here
            return model.create(name=name, password_hash=generate_password_hash(password),
                                created_at=now or time.time())
    except peewee.IntegrityError:
        raise taken from None


def authenticate(model: type[peewee.Model], name: str, password: str, now: float | None = None):
    """The account if the password is right; LoginRefused (with the wait when locked) otherwise.

    A try is claimed in the database before the password is compared, so that however many tries
    arrive at once, at most MAX_TRIES wrong ones are compared before the lock.
    """
    now = now or time.time()
    account = model.get_or_none(model.name == (name or "").strip())
    if account is None:
        check_password_hash(_unknown_name_hash(), password or "")      # the same time either way
        raise LoginRefused()
    lockout = _lockout(model)
    if not lockout.claim(account.id, now):
        raise LoginRefused(lockout.wait_seconds(account.id, now))
    if check_password_hash(account.password_hash, password or ""):
        lockout.clear(account.id)
        return account
    raise LoginRefused(lockout.wait_seconds(account.id, now), tried=True)


def _lockout(model) -> Lockout:
    """The lockout rule on this application's Facilitator table."""
    return Lockout(model.failed_logins, model.locked_until, MAX_TRIES, LOCK_SECONDS)


@functools.cache
def _unknown_name_hash() -> str:
    """A hash made once, with the same method, to compare against when the name is unknown."""
    return generate_password_hash("no such facilitator")
