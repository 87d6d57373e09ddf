"""The kiosk's session cookie: Flask's signed cookie, its signature checked once per distinct cookie.

A learner's browser sends the same cookie text on every page until the session changes, and checking
its signature (key derivation, HMAC, base64, JSON) was a large part of what every request paid. The
text that passed the check is remembered with what it decoded to; every request still gets a fresh
copy, since views change their session. A cookie that fails the check is never remembered, so a
tampered one is refused each time, and a remembered one still expires on time.

The signing serializer is made once per signing key, not on each request that sets a cookie (Flask
makes one for each: itsdangerous tries its JSON serializer out as it does, a tenth of a first visit).
"""
from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from werkzeug.http import dump_cookie

REMEMBERED = 256        # distinct cookies kept: far more browsers than one kiosk ever serves at once
_IMMUTABLE = (str, int, float, bool, bytes, type(None))


class RememberedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, with each distinct cookie's signature checked only once."""

    def __init__(self, size: int = REMEMBERED):
        self.size = size
        self._seen: OrderedDict[str, tuple[int, dict]] = OrderedDict()
        self._keys: tuple = ()
        self._lock = threading.Lock()
        self._serializer: tuple = ((), None)

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        made_for, serializer = self._serializer
        if made_for != keys:
            serializer = super().get_signing_serializer(app)
            self._serializer = (keys, serializer)
        return serializer

    def open_session(self, app, request):
        val = request.cookies.get(self.get_cookie_name(app))
        if not val or not app.secret_key:
            return super().open_session(app, request)
        max_age = _max_age(app)
        with self._lock:
            if not self._same_keys(app):    # a new signing key: what was checked with the old one is void
                self._seen.clear()
                self._keys = _signing_keys(app)
            seen = self._seen.get(val)
            if seen is not None:
                self._seen.move_to_end(val)
        if seen is None:
            seen = self._check(app, val, max_age)
            if seen is None:
                return self.session_class()
        signed_at, data = seen
        if not _in_time(signed_at, max_age):
            with self._lock:
                self._seen.pop(val, None)
            return self.session_class()
        return self.session_class(_fresh(data))

    def remembered(self, app, val: str) -> dict | None:
        """The data of a cookie whose signature was checked already and which has not expired, else None
        (the kept pages' express lane leaves every other cookie to open_session). Not a copy: read only."""
        with self._lock:
            seen = self._seen.get(val) if self._same_keys(app) else None
        if seen is None or not _in_time(seen[0], _max_age(app)):
            return None
        return seen[1]

    def new_cookie(self, app, data: dict) -> str:
        """The Set-Cookie header of a new session holding `data`, with the attributes Flask's save_session
        gives it (the kept pages' express lane answers a first visit with it); remembered, since its
        signature is ours."""
        signed_at = int(time.time())
        value = self.get_signing_serializer(app).dumps(data)
        header = dump_cookie(self.get_cookie_name(app), value,
                             expires=self.get_expiration_time(app, self.session_class(data)),
                             path=self.get_cookie_path(app), domain=self.get_cookie_domain(app),
                             secure=self.get_cookie_secure(app), httponly=self.get_cookie_httponly(app),
                             max_size=app.config["MAX_COOKIE_SIZE"], samesite=self.get_cookie_samesite(app),
                             partitioned=self.get_cookie_partitioned(app))
        if self._same_keys(app):
            self._remember(value, (signed_at, _fresh(data)))
        return header

    def _same_keys(self, app) -> bool:
        return self._keys == _signing_keys(app)

    def _remember(self, val: str, seen: tuple[int, dict]) -> None:
        with self._lock:
            self._seen[val] = seen
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)

    def _check(self, app, val: str, max_age: int) -> tuple[int, dict] | None:
        """The cookie's signing time and data when its signature holds (then remembered), else None."""
        try:
            data, signed_at = self.get_signing_serializer(app).loads(val, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        seen = (int(signed_at.timestamp()), data)
        self._remember(val, seen)
        return seen


def _signing_keys(app) -> tuple:
    return app.secret_key, app.config["SECRET_KEY_FALLBACKS"]


def _max_age(app) -> int:
    return int(app.permanent_session_lifetime.total_seconds())


def _in_time(signed_at: int, max_age: int) -> bool:
    """itsdangerous's own expiry rule, for a signature checked earlier."""
    return 0 <= int(time.time()) - signed_at <= max_age


def _fresh(data: dict) -> dict:
    """A copy the request may change freely: nested lists and dicts are copied too."""
    return {key: value if isinstance(value, _IMMUTABLE) else copy.deepcopy(value) for key, value in data.items()}
