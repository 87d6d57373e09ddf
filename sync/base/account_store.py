"""One facilitator account store over an app's two tables: sign-in, password change and server-side sessions.

The kiosk and the hub each make one (`AccountStore(Facilitator, FacilitatorSession)`) and expose its methods
under their own names, so the rules of sync/base (accounts, credentials, facilitator_sessions,
password_change) are wired to a model in one place only.
"""
from __future__ import annotations

from . import accounts, credentials, facilitator_sessions
from .password_change import change_password


class AccountStore:
    def __init__(self, account_model, session_model):
        self.account_model, self.session_model = account_model, session_model

    def authenticate(self, name: str, password: str, now: float | None = None):
        """The account if the password is right; accounts.LoginRefused (with a wait when locked) otherwise.

        A name or password no person types (NUL, control characters, far too long) is refused before any
        query (PostgreSQL would fail on NUL), and does not count against the account.
        """
        if not credentials.well_formed(name, password):
            raise accounts.LoginRefused()
        return accounts.authenticate(self.account_model, name, password, now)

    def set_password(self, name: str, password: str) -> int:
        """A new password for the account called `name`; every session of it ends. How many ended."""
        return change_password(self.account_model, self.session_model, name, password)

    def start_session(self, account, idle_minutes: float, now: float | None = None) -> str:
        """A new server-side session; the token to keep in the cookie."""
        return facilitator_sessions.start(self.session_model, account, idle_minutes * 60, now)

    def session_account(self, token, idle_minutes: float, now: float | None = None):
        """The account signed in with this token, or None (unknown, signed out, idle, or too old)."""
        return facilitator_sessions.account_of(self.session_model, token, idle_minutes * 60, now)

    def end_session(self, token) -> None:
        facilitator_sessions.end(self.session_model, token)
