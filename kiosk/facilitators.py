"""Facilitator accounts on the kiosk: the shared account rule on the kiosk's model, and server-side sessions
(the shared rule of sync/base/facilitator_sessions on the kiosk's table)."""
from __future__ import annotations

from sync.base import accounts
from sync.base.account_store import AccountStore

from .models import Facilitator, FacilitatorSession


def exists() -> bool:
    return Facilitator.select().exists()


def create(name: str, password: str, now: float | None = None) -> Facilitator:
    """A kiosk account; ValueError with a message for a person if the password is short or the name taken."""
    return accounts.create(Facilitator, name, password, now)


_store = AccountStore(Facilitator, FacilitatorSession)
authenticate = _store.authenticate
set_password = _store.set_password
start_session = _store.start_session
session_account = _store.session_account
end_session = _store.end_session
