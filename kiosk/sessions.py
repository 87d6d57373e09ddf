"""Learner sessions on a shared screen: server-side, renewed at login, ended by logout or idleness.

The cookie holds only a random token; the database holds its hash. Logging out deletes the row, so a
copied or replayed cookie is worthless afterwards. The browser's cookie holds one session at a time:
a learner logging in where a facilitator was signed in ends the facilitator's session row too.
"""
from __future__ import annotations

import secrets
import time

from flask import current_app, g, session

from sync.base.facilitator_sessions import token_hash as _hash

from . import facilitators, learners
from .db import database
from .models import Learner, LearnerSession

TOUCH_EVERY = 30      # seconds: write last_seen at most this often (an SD card has few writes to spare)
KEEP_ENDED = 86400    # seconds an ended idle session is kept, so the screen left open still says why


def log_in(learner: Learner, now: float | None = None) -> None:
    """Start a fresh session: the old cookie content (and its CSRF token) is dropped."""
    now = now or time.time()
    end_session()
    # Swept here, not in a request hook: a login writes anyway, and every learner on a kiosk logs in.
    end_idle_sessions(now, current_app.config["IDLE_MINUTES"] * 60 + KEEP_ENDED)
    token = secrets.token_urlsafe(32)
    LearnerSession.create(token_hash=_hash(token), learner=learner, created_at=now, last_seen=now)
    Learner.update(last_active=now).where(Learner.id == learner.id).execute()
    session["learner_token"] = token


def end_session() -> None:
    """End whatever session this browser's cookie holds, learner's or facilitator's: row and cookie."""
    token = session.get("learner_token")
    if token:
        LearnerSession.delete().where(LearnerSession.token_hash == _hash(token)).execute()
    facilitators.end_session(session.get("facilitator_token"))     # else a copy of the cookie still opens it
    session.clear()
    g.learner = None


def load_learner(now: float | None = None) -> Learner | None:
    """The learner of this request, or None; an idle session is ended here."""
    now = now or time.time()
    token = session.get("learner_token")
    if not token:
        return None
    learner = learner_of(token)
    if learner is None:
        session.clear()
        return None
    state = freshness(learner, now)
    if state == EXPIRED:
        end_session()
        g.session_expired = True
        return None
    if state == TO_TOUCH:
        _touch(learner, token, now)
    return learner


EXPIRED, TO_TOUCH, FRESH = "expired", "to touch", "fresh"


def freshness(learner: Learner, now: float) -> str:
    """Whether a learner's session has ended (EXPIRED), is due a new last_seen (TO_TOUCH), or neither."""
    idle = current_app.config["IDLE_MINUTES"] * 60
    if now - learner.session_last_seen > idle:
        return EXPIRED
    if now - learner.session_last_seen > min(TOUCH_EVERY, idle / 4):
        return TO_TOUCH
    return FRESH


def learner_of(token: str) -> Learner | None:
    """The learner whose session this cookie's token opens, with the session's last_seen, or None."""
    return _learner_with_session(_hash(token))


# Every learner request runs this: one prepared statement, its row made into a Learner by learners.from_row.
_LOOKUP = (f"SELECT {learners.COLUMNS}, s.last_seen FROM learner_session s JOIN learner l ON l.id = s.learner_id"
           " WHERE s.token_hash = ?")


def _learner_with_session(token_hash: str) -> Learner | None:
    """The learner whose session has this token hash, with the session's last_seen, or None."""
    row = database.execute_sql(_LOOKUP, (token_hash,)).fetchone()
    if row is None:
        return None
    learner = learners.from_row(row)
    learner.session_last_seen = row[-1]
    return learner


def end_idle_sessions(now: float, idle_seconds: float) -> int:
    """Remove sessions nobody used for `idle_seconds` (called at each login, not per request)."""
    return LearnerSession.delete().where(LearnerSession.last_seen < now - idle_seconds).execute()


def touch(learner: Learner, now: float | None = None) -> None:
    """Restart the idle countdown now: the learner said 'I'm still here', or typed, scrolled or ticked
    (kiosk.js says so at most every 30 seconds, or a quarter of the idle time when that is shorter)."""
    token = session.get("learner_token")
    if token:
        _touch(learner, token, now or time.time())


def _touch(learner: Learner, token: str, now: float) -> None:
    LearnerSession.update(last_seen=now).where(LearnerSession.token_hash == _hash(token)).execute()
    Learner.update(last_active=now).where(Learner.id == learner.id).execute()
    learner.session_last_seen = now


def seconds_left(learner: Learner, now: float | None = None) -> int:
    """Seconds before this learner's session ends if nothing happens: what the page counts down from.

    The server writes last_seen at most every TOUCH_EVERY seconds, so this can be less than IDLE_MINUTES
    just after a page opens: counting from it, the page never outlives the session it shows."""
    idle = current_app.config["IDLE_MINUTES"] * 60
    last_seen = getattr(learner, "session_last_seen", None)
    return max(0, int(idle - ((now or time.time()) - last_seen))) if last_seen is not None else int(idle)


def visitor_prefs() -> dict:
    """Display settings chosen on the first screens, before any card is picked (kept in this browser's
    session; a new card starts with them, an existing card's own settings win after login)."""
    return visitor_prefs_in(session)


def visitor_prefs_in(data) -> dict:
    """visitor_prefs from a session's data (the kept pages' express lane reads it without a Flask session)."""
    chosen = data.get("visitor_prefs")
    chosen = chosen if isinstance(chosen, dict) else {}
    return {key: value for key, value in chosen.items()
            if key in learners.FIRST_SCREEN_PREFS and learners.pref_allowed(key, value)}


def set_visitor_prefs(changes: dict) -> None:
    session["visitor_prefs"] = {key: value for key, value in changes.items()
                                if key in learners.FIRST_SCREEN_PREFS and learners.pref_allowed(key, value)}
