"""The kiosk's CSRF protection: one object, initialised by the app factory; the pack upload exempts
itself and checks its token by hand once the upload's own size limit is raised.

Pages put the session's token in every form, signed. flask-wtf signs it anew on each request (key
derivation and HMAC); a session's token never changes, and without a time limit (the kiosk sets
WTF_CSRF_TIME_LIMIT=None) its signature never expires, so it is signed once per token here.
Checking a posted token is flask-wtf's own, unchanged; a new session's token is made as flask-wtf makes
it, and signed by a serializer made once per key.
"""
from __future__ import annotations

import functools
import hashlib
import os
import threading

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf
from itsdangerous import URLSafeTimedSerializer


class KioskCSRFProtect(CSRFProtect):
    """flask-wtf's protection, which looks up a request's exemptions before its method: a GET, which it
    never checks, is let through first (the same outcome, without the exemption lookups on every page)."""

    def protect(self, apply_exemptions=False):
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        super().protect(apply_exemptions)


csrf = KioskCSRFProtect()

SIGNED_KEPT = 512       # sessions whose signed token is remembered; more than a kiosk's learners at once
_signed: dict[tuple[str, str], str] = {}
_lock = threading.Lock()


def signed_token() -> str:
    """This session's CSRF token as forms carry it, signed once per token (flask-wtf's format and salt)."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return generate_csrf()      # a signature that expires is dated: flask-wtf signs each request
    raw = session.get(field)
    signed = signed_for(current_app, raw) if isinstance(raw, str) else None
    if signed is None and isinstance(raw, str):
        secret = _secret(current_app)
        signed = _sign(secret, raw)
        _remember(secret, raw, signed)
    elif signed is None:            # a new session, or one cleared: its token, as flask-wtf's generate_csrf
        raw, signed = new_token(current_app)
        session[field] = raw
    setattr(g, field, signed)       # where flask-wtf's generate_csrf looks first
    return signed


def signed_for(app, raw: str) -> str | None:
    """A session's token `raw` as its forms carry it, when it was signed already (None otherwise): the
    kept pages' express lane, which has no Flask session to give a token to."""
    if app.config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return None
    return _signed.get((_secret(app), raw))


def new_token(app) -> tuple[str, str]:
    """A new session's CSRF token, made as flask-wtf makes it, and its signed form (remembered)."""
    secret = _secret(app)
    raw = hashlib.sha1(os.urandom(64)).hexdigest()
    signed = _sign(secret, raw)
    _remember(secret, raw, signed)
    return raw, signed


def _secret(app):
    return app.config.get("WTF_CSRF_SECRET_KEY", app.secret_key)


def _sign(secret, raw: str) -> str:
    return _serializer(secret).dumps(raw)


@functools.lru_cache(maxsize=4)
def _serializer(secret) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token")


def _remember(secret, raw: str, signed: str) -> None:
    with _lock:
        if len(_signed) >= SIGNED_KEPT:
            _signed.clear()         # rare: the next page of each session signs its token again
        _signed[(secret, raw)] = signed
