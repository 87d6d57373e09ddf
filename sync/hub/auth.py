"""Who may talk to the hub: enrolment codes, kiosk credentials, signed requests, replays, facilitators
and their sessions (kept in the database, so every hub process shares them and a sign-out holds)."""
from __future__ import annotations

import hashlib
import random
import re
import secrets
import time
import uuid

import peewee

from sync.base import accounts
from sync.base.account_store import AccountStore
from sync.wire import protocol

from . import scopes
from .db import database
from .models import EnrollCode, Facilitator, FacilitatorSession, Kiosk, KioskEpoch, Nonce

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"     # no 0/O or 1/I to misread
CODE_HOURS = 24


class Refused(Exception):
    """A request that is not authentic (answered 401); `reason` is for the log and the kiosk."""

    def __init__(self, reason: str, kiosk: Kiosk | None = None):
        super().__init__(reason)
        self.reason, self.kiosk = reason, kiosk


def new_enroll_code(centre: str, now: float | None = None) -> str:
    """A one-time code, valid 24 hours, typed on the kiosk: 12 letters and digits (60 bits)."""
    now = now or time.time()
    code = "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(3))
    EnrollCode.create(code_hash=_hash_code(code), centre=centre.strip(), created_at=now,
                      expires_at=now + CODE_HOURS * 3600)
    return code


def _hash_code(code: str) -> str:
    normalised = code.strip().upper().replace(" ", "").replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def enroll(code: str, installation: str | None, epoch_starts: dict, now: float | None = None) -> Kiosk:
    """Trade a valid code for a new kiosk; the code is used up in the same transaction."""
    now = now or time.time()
    with database.atomic():
        used = (EnrollCode.update(used_at=now)
                .where((EnrollCode.code_hash == _hash_code(code or "")) & EnrollCode.used_at.is_null()
                       & (EnrollCode.expires_at > now)).execute())
        if used != 1:
            raise Refused("this enrolment code is unknown, already used or expired")
        row = EnrollCode.get_by_id(_hash_code(code))
        kiosk = Kiosk.create(id=str(uuid.uuid4()), centre=row.centre, secret=secrets.token_hex(32),
                             installation=(installation or "")[:64] or None, enrolled_at=now)
        EnrollCode.update(kiosk_id=kiosk.id).where(EnrollCode.code_hash == row.code_hash).execute()
        for epoch, first in epoch_starts.items():
            KioskEpoch.create(kiosk=kiosk, epoch=int(epoch), acked_seq=max(0, int(first) - 1))
    return kiosk


def authenticate(method: str, path: str, headers, body: bytes, now_ms: int) -> Kiosk:
    """Check digest, signature, clock window and nonce, in that order, before the body is read."""
    kiosk_id = headers.get(protocol.H_KIOSK, "")
    kiosk = Kiosk.get_or_none(Kiosk.id == kiosk_id) if protocol.valid_uuid(kiosk_id) else None
    if kiosk is None:
        raise Refused("unknown kiosk")
    digest = headers.get("Content-Digest", "")
    if digest != protocol.content_digest(body):
        raise Refused("the body does not match its Content-Digest")
    nonce, stamp = headers.get(protocol.H_NONCE, ""), headers.get(protocol.H_TIME, "")
    # ASCII digits only ("²".isdigit() is true) and few enough for int() and for a time in milliseconds.
    if not protocol.valid_nonce(nonce) or not re.fullmatch(r"[0-9]{1,16}", stamp):
        raise Refused("missing or malformed timestamp or nonce")
    message = protocol.string_to_sign(method, path, digest, kiosk.id, int(stamp), nonce)
    if not protocol.signature_ok(kiosk.secret, message, headers.get(protocol.H_SIG, "")):
        raise Refused("bad signature")
    if abs(int(stamp) - now_ms) > protocol.SKEW_MS:
        raise Refused("clock", kiosk)        # authentic but outside the window: the kiosk resets its offset
    _remember_nonce(kiosk.id, nonce, now_ms / 1000)
    return kiosk


def _remember_nonce(kiosk_id: str, nonce: str, now: float) -> None:
    """Store the nonce under a unique key: a second request with it is a replay."""
    try:
        with database.atomic():
            Nonce.create(kiosk_id=kiosk_id, nonce=nonce, seen_at=now)
    except peewee.IntegrityError:
        raise Refused("replayed request (nonce already used)") from None
    if random.random() < 0.02:       # now and then, forget nonces the clock window already refuses
        Nonce.delete().where(Nonce.seen_at < now - 2 * protocol.SKEW_MS / 1000).execute()


def create_facilitator(name: str, password: str, scope: scopes.Scope = scopes.NATIONAL) -> Facilitator:
    """A hub account with its scope (sync/hub/scopes.py; by default a national administrator, as the first
    account must be); ValueError if the password is short or the name taken."""
    with database.atomic():
        account = accounts.create(Facilitator, name, password)
        scopes.give(account, scope)
    return account


_store = AccountStore(Facilitator, FacilitatorSession)
login_facilitator = _store.authenticate


def check_login(name: str, password: str, now: float | None = None) -> Facilitator | None:
    """The facilitator when the password is right, else None (xAPI's Basic auth has no page to say why)."""
    try:
        return login_facilitator(name, password, now)
    except accounts.LoginRefused:
        return None


set_password = _store.set_password
start_session = _store.start_session
session_account = _store.session_account
end_session = _store.end_session
