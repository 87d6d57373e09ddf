"""Certificates by their code: kept in a table of their own at ingest, so /verify reads one row, never the events."""
from __future__ import annotations

import json
import re

from . import bulk
from .models import Certificate

CODE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")
COLUMNS = ["code", "learner_uuid", "kiosk_id", "course_id", "course_title", "name", "centre", "issued_at", "proof",
           "credential"]
PROOF = re.compile(r"^z[1-9A-HJ-NP-Za-km-z]{1,99}$")     # multibase base58btc, as sync/wire/badge.py writes it


def badge_of(payload: dict) -> tuple[str | None, str | None]:
    """(proof value, badge JSON) of the signed badge a certificate.issued payload carries, or (None, None).

    The badge is kept as sent and checked when someone asks (sync/hub/credential_page.py); its proof value
    is indexed so that the link in a certificate's QR code is one row away."""
    held = payload.get("credential")
    proofs = held.get("proof") if isinstance(held, dict) else None
    first = proofs[0] if isinstance(proofs, list) and proofs else None
    value = first.get("proofValue") if isinstance(first, dict) else None
    if not isinstance(value, str) or not PROOF.match(value):
        return None, None
    return value, json.dumps(held, ensure_ascii=False)


def row(kiosk_id: str, event: dict) -> tuple | None:
    """The table's row for a certificate.issued event, or None when it carries no well-formed code."""
    p = event["payload"]
    code = p.get("code")
    if event["type"] != "certificate.issued" or not isinstance(code, str) or not CODE.match(code):
        return None
    issued = p.get("issued_at")
    return (code, event["learner"], kiosk_id, str(p.get("course", "")), _text(p.get("course_title")),
            _text(p.get("name")), _text(p.get("centre")),
            float(issued) if isinstance(issued, (int, float)) and not isinstance(issued, bool) else None,
            *badge_of(p))


def _text(value) -> str | None:
    return None if value is None else str(value)


def keep(kiosk_id: str, events: list[dict]) -> None:
    """Store the certificates among newly received events; a code already held keeps its first certificate."""
    rows = [r for r in (row(kiosk_id, e) for e in events if e["learner"]) if r]
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
    """The badge a kiosk sent with this proof value, and that kiosk's id: one indexed read, never the events."""
    if not PROOF.match(proof_value):
        return None
    found = Certificate.get_or_none(Certificate.proof == proof_value)
    return (json.loads(found.credential), found.kiosk_id) if found else None
