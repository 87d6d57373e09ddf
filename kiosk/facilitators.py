"""Facilitator accounts: password login separate from learners, with a lockout after wrong passwords."""
from __future__ import annotations

import hashlib
import secrets
import time

from werkzeug.security import check_password_hash, generate_password_hash

from .models import Facilitator, FacilitatorSession

MAX_TRIES = 5
LOCK_SECONDS = 15 * 60
SESSION_HOURS = 8
MIN_PASSWORD = 10


class LoginRefused(Exception):
    def __init__(self, wait_seconds: int = 0):
        super().__init__("login refused")
        self.wait_seconds = wait_seconds


def exists() -> bool:
    return Facilitator.select().exists()


def create(name: str, password: str, now: float | None = None) -> Facilitator:
    if len(password) < MIN_PASSWORD:
        raise ValueError("password too short")
    return Facilitator.create(name=name.strip(), password_hash=generate_password_hash(password),
                              created_at=now or time.time())


def authenticate(name: str, password: str, now: float | None = None) -> Facilitator:
    """The facilitator if the password is right; LoginRefused (with a wait when locked) otherwise."""
    now = now or time.time()
    account = Facilitator.get_or_none(Facilitator.name == (name or "").strip())
    if account is None:
        check_password_hash(generate_password_hash("x"), password or "")   # same time either way
        raise LoginRefused()
    if account.locked_until > now:
        raise LoginRefused(int(account.locked_until - now) + 1)
    if not check_password_hash(account.password_hash, password or ""):
        failures = account.failed_logins + 1
        locked = now + LOCK_SECONDS if failures >= MAX_TRIES else 0
        Facilitator.update(failed_logins=0 if locked else failures, locked_until=locked).where(
            Facilitator.id == account.id).execute()
        raise LoginRefused(LOCK_SECONDS if locked else 0)
    Facilitator.update(failed_logins=0, locked_until=0).where(Facilitator.id == account.id).execute()
    return account


def start_session(account: Facilitator, now: float | None = None) -> str:
    token = secrets.token_urlsafe(32)
    now = now or time.time()
    FacilitatorSession.create(token_hash=_hash(token), facilitator=account, created_at=now, last_seen=now)
    return token


def session_account(token: str | None, now: float | None = None) -> Facilitator | None:
    if not token:
        return None
    now = now or time.time()
    row = FacilitatorSession.get_or_none(FacilitatorSession.token_hash == _hash(token))
    if row is None or now - row.created_at > SESSION_HOURS * 3600:
        return None
    return row.facilitator


def end_session(token: str | None) -> None:
    if token:
        FacilitatorSession.delete().where(FacilitatorSession.token_hash == _hash(token)).execute()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
