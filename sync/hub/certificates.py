"""Certificates by their code: kept in a table of their own at ingest, so /verify reads one row, never the events."""
from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app, has_app_context

from sync.packs import signing
from sync.wire import badge as badges

from . import bulk
from .models import Certificate

log = logging.getLogger(__name__)

CODE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")
COLUMNS = ["code", "learner_uuid", "kiosk_id", "course_id", "course_title", "name", "centre", "issued_at", "proof",
           "credential"]
PROOF = re.compile(r"^z[1-9A-HJ-NP-Za-km-z]{1,99}$")     # multibase base58btc, as sync/wire/badge.py writes it
BADGE_KEY = "badge-key"     # folder in the hub's data folder: the hub's Ed25519 key for countersigning badges
_keys: dict[str, Ed25519PrivateKey] = {}
# The hub's data folder while a command outside the web app ingests (`relais hub import`): see countersigning.
_data_dir: contextvars.ContextVar[Path | None] = contextvars.ContextVar("hub_data_dir", default=None)


def badge_key(data_dir: Path) -> Ed25519PrivateKey:
    """The hub's key for countersigning badges, made the first time (its did:key is shown on /verify/credential)."""
    folder = Path(data_dir) / BADGE_KEY
    if str(folder) not in _keys:
        _keys[str(folder)] = signing.own_key(folder)
    return _keys[str(folder)]


def hub_badge_key() -> Ed25519PrivateKey | None:
    """This hub's badge key, from its data folder: the app's, or the one a command named with `countersigning`;
    None when neither is known (nothing is countersigned then)."""
    if has_app_context():
        return badge_key(Path(current_app.config["HUB_CONTENT_DIR"]))
    named = _data_dir.get()
    return badge_key(named) if named is not None else None


@contextlib.contextmanager
def countersigning(data_dir: Path):
    """Within this block, badges ingested outside a request (a USB bundle's import from the command line)
    are countersigned with the key in `data_dir`, as an upload's are."""
    token = _data_dir.set(Path(data_dir))
    try:
        yield
    finally:
        _data_dir.reset(token)


def badge_of(payload: dict, key: Ed25519PrivateKey | None = None) -> tuple[str | None, str | None]:
    """(proof value, badge JSON) of the signed badge a certificate.issued payload carries, or (None, None).

    A badge whose kiosk's proof verifies is countersigned with `key` (the hub's): a second proof in its list,
    saying this hub received it from one of its enrolled kiosks. One that does not verify is kept as sent,
    never countersigned (the page says it does not verify). Its kiosk's proof value is indexed so that the
    link in a certificate's QR code is one row away."""
    held = payload.get("credential")
    proofs = held.get("proof") if isinstance(held, dict) else None
    first = proofs[0] if isinstance(proofs, list) and proofs else None
    value = first.get("proofValue") if isinstance(first, dict) else None
    if not isinstance(value, str) or not PROOF.match(value):
        return None, None
    if key is not None:
        try:
            held = badges.countersign(held, key, time.time())
        except ValueError as refused:   # BadgeRefused, or a malformed key: one bad badge never blocks ingest
            log.warning("certificate %s: badge kept as sent, not countersigned (%s)", payload.get("code"), refused)
    return value, json.dumps(held, ensure_ascii=False)


def row(kiosk_id: str, event: dict, key: Ed25519PrivateKey | None = None) -> tuple | None:
    """The table's row for a certificate.issued event, or None when it carries no well-formed code."""
    p = event["payload"]
    code = p.get("code")
    if event["type"] != "certificate.issued" or not isinstance(code, str) or not CODE.match(code):
        return None
    issued = p.get("issued_at")
    return (code, event["learner"], kiosk_id, str(p.get("course", "")), _text(p.get("course_title")),
            _text(p.get("name")), _text(p.get("centre")),
            float(issued) if isinstance(issued, (int, float)) and not isinstance(issued, bool) else None,
            *badge_of(p, key))


def _text(value) -> str | None:
    return None if value is None else str(value)


def keep(kiosk_id: str, events: list[dict]) -> None:
    """Store the certificates among newly received events (their badges countersigned when they verify);
    a code already held keeps its first certificate."""
    issued = [e for e in events if e["learner"] and e["type"] == "certificate.issued"]
    key = hub_badge_key() if issued else None
    rows = [r for r in (row(kiosk_id, e, key) for e in issued) if r]
    if rows:
        bulk.insert(Certificate, COLUMNS, rows, "ON CONFLICT DO NOTHING")


def forget(learners: set[str]) -> None:
    """An erased learner's certificates are no longer shown as genuine (their events lose their content too)."""
    if learners:
        Certificate.delete().where(Certificate.learner_uuid.in_(sorted(learners))).execute()


def find(code: str) -> dict | None:
    """What the verification page shows for `code`, or None: one primary-key read."""
    if not CODE.match(code):
        return None
    found = Certificate.get_or_none(Certificate.code == code)
    return found and {"name": found.name, "course": found.course_id, "course_title": found.course_title,
                      "centre": found.centre, "issued_at": found.issued_at}


def badge(proof_value: str) -> tuple[dict, str] | None:
    """The badge a kiosk sent with this proof value (countersigned by the hub when it verified), and that
    kiosk's id: one indexed read, never the events."""
    if not PROOF.match(proof_value):
        return None
    found = Certificate.get_or_none(Certificate.proof == proof_value)
    return (json.loads(found.credential), found.kiosk_id) if found else None
