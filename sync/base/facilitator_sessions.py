"""Facilitator sessions kept in the database, one rule for the kiosk and the hub.

The cookie holds only a random token; the database holds its SHA-256. A copy of the cookie is
worthless once its row is gone: at sign-out, at a password change (every row of that account), after
the idle time without use, and SESSION_HOURS after sign-in whatever happens. Being in the database,
a session is shared by every process of the application (several hub processes on one PostgreSQL).

Every function takes the session model to work on (the kiosk's or the hub's), with the fields
token_hash (its primary key), facilitator (a foreign key to the account), created_at and last_seen.
"""
from __future__ import annotations

import hashlib
import secrets
import time

import peewee

SESSION_HOURS = 8
TOUCH_EVERY = 60      # seconds: write last_seen at most once a minute, not at every request


def token_hash(token: str) -> str:
    """What the database keeps of a token (a random 256-bit token needs no slow hash)."""
    return hashlib.sha256(token.encode()).hexdigest()


def start(model: type[peewee.Model], account, idle_seconds: float, now: float | None = None) -> str:
    """A new session for `account`; the token for the cookie. Sessions past their time are swept here."""
    now = now or time.time()
    sweep(model, idle_seconds, now)         # a sign-in writes anyway; no request hook needed
    token = secrets.token_urlsafe(32)
    model.create(token_hash=token_hash(token), facilitator=account, created_at=now, last_seen=now)
    return token


def expired(created_at: float, last_seen: float, idle_seconds: float, now: float) -> bool:
    """The expiry rule: unused for longer than the idle time, or signed in more than SESSION_HOURS ago."""
    return now - last_seen > idle_seconds or now - created_at > SESSION_HOURS * 3600


def account_of(model: type[peewee.Model], token, idle_seconds: float, now: float | None = None):
    """The account whose session this token is, or None; an expired session is deleted here."""
    if not isinstance(token, str) or not token:
        return None
    now = now or time.time()
    accounts = model.facilitator.rel_model
    row = (model.select(model, accounts).join(accounts)
           .where(model.token_hash == token_hash(token)).get_or_none())
    if row is None:
        return None
    if expired(row.created_at, row.last_seen, idle_seconds, now):
        end(model, token)
        return None
    if now - row.last_seen >= min(TOUCH_EVERY, idle_seconds / 2):
        model.update(last_seen=now).where((model.token_hash == row.token_hash) & (model.last_seen < now)).execute()
    return row.facilitator


def end(model: type[peewee.Model], token) -> None:
    """End one session (sign-out); nothing happens for an unknown token."""
    if isinstance(token, str) and token:
        model.delete().where(model.token_hash == token_hash(token)).execute()


def end_all(model: type[peewee.Model], account_id: int) -> int:
    """End every session of one account (its password changed); how many there were."""
    return model.delete().where(model.facilitator == account_id).execute()


def sweep(model: type[peewee.Model], idle_seconds: float, now: float) -> int:
    """Delete the sessions that can no longer be used; how many."""
    return (model.delete().where((model.last_seen < now - idle_seconds)
                                 | (model.created_at < now - SESSION_HOURS * 3600)).execute())
