"""Facilitator accounts on the kiosk: the shared account rule on the kiosk's model, and server-side sessions."""
from __future__ import annotations

import hashlib
import secrets
import time

from sync.base import accounts

from .models import Facilitator, FacilitatorSession

SESSION_HOURS = 8


def exists() -> bool:
    return Facilitator.select().exists()


def create(name: str, password: str, now: float | None = None) -> Facilitator:
    """A kiosk account; ValueError with a message for a person if the password is short or the name taken."""
    return accounts.create(Facilitator, name, password, now)


def authenticate(name: str, password: str, now: float | None = None) -> Facilitator:
    """The facilitator if the password is right; accounts.LoginRefused (with a wait when locked) otherwise."""
    return accounts.authenticate(Facilitator, name, password, now)


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
