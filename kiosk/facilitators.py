"""Facilitator accounts on the kiosk: the shared account rule on the kiosk's model, and server-side sessions
(the shared rule of sync/base/facilitator_sessions on the kiosk's table)."""
from __future__ import annotations

from sync.base import accounts, credentials, facilitator_sessions
from sync.base.password_change import change_password

from .models import Facilitator, FacilitatorSession


def exists() -> bool:
    return Facilitator.select().exists()


def create(name: str, password: str, now: float | None = None) -> Facilitator:
    """A kiosk account; ValueError with a message for a person if the password is short or the name taken."""
    return accounts.create(Facilitator, name, password, now)


def authenticate(name: str, password: str, now: float | None = None) -> Facilitator:
    """The facilitator if the password is right; accounts.LoginRefused (with a wait when locked) otherwise.

    A name or password no person types (NUL, control characters, far too long) is refused before any
    query, and does not count against the account.
    """
    if not credentials.well_formed(name, password):
        raise accounts.LoginRefused()
    return accounts.authenticate(Facilitator, name, password, now)


def set_password(name: str, password: str) -> int:
    """A new password for the account called `name`; every session of it ends. How many ended."""
    return change_password(Facilitator, FacilitatorSession, name, password)


def start_session(account: Facilitator, idle_minutes: float, now: float | None = None) -> str:
    """A new server-side session; the token to keep in the cookie."""
    return facilitator_sessions.start(FacilitatorSession, account, idle_minutes * 60, now)


def session_account(token, idle_minutes: float, now: float | None = None) -> Facilitator | None:
    """The facilitator signed in with this token, or None (unknown, signed out, idle, or too old)."""
    return facilitator_sessions.account_of(FacilitatorSession, token, idle_minutes * 60, now)


def end_session(token) -> None:
    facilitator_sessions.end(FacilitatorSession, token)
