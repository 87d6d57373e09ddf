"""The hub's check of a signed badge: the link in a certificate's QR code, or a badge file pasted or sent.

Anyone may check. The signature alone proves the badge was not changed since a key signed it; the hub
adds what the key cannot say on its own: that the very same badge reached it from one of its enrolled
kiosks (the certificate's event, over the kiosk's authenticated sync), and which centre that kiosk is. The
hub also says so in the file: at ingest it adds its own proof (sync/hub/certificates.py); the countersigned
file is offered here for download, and reaches the kiosk with the learner's card.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Blueprint, Response, abort, render_template, request

from sync.wire import badge

from . import certificates
from .models import Kiosk

bp = Blueprint("hub_credential", __name__, template_folder="templates")
MAX_PASTED = badge.MAX_BYTES


@dataclass
class Outcome:
    """What the page says about one badge: whether it verifies, why not, and what the hub knows of it."""

    valid: bool
    credential: dict | None = None
    reason: str = ""
    centre: str | None = None          # the enrolled kiosk's centre, when this hub received this very badge
    kiosk_id: str | None = None
    proof: str | None = None           # the kiosk's proof value, when this hub received this very badge
    countersigned: bool = False        # whether this copy carries this hub's own proof


def init_app(app) -> None:
    app.register_blueprint(bp)


def check(credential) -> Outcome:
    """Verify a badge's signature, then say whether this hub received the same badge from a kiosk."""
    try:
        badge.verify(credential)
    except badge.BadgeRefused as refused:
        return Outcome(False, credential if isinstance(credential, dict) else None, str(refused))
    own = badge.issuer_only(credential)["proof"][0].get("proofValue")      # the kiosk's, in whatever order
    hub = hub_key()
    countersigned = any(str(p.get("verificationMethod", "")).partition("#")[0] == hub for p in _proofs(credential))
    found = certificates.badge(own) if isinstance(own, str) else None
    if found is None or badge.issuer_only(found[0]) != badge.issuer_only(credential):
        return Outcome(True, credential, countersigned=countersigned)
    kiosk = Kiosk.get_or_none(Kiosk.id == found[1])
    return Outcome(True, credential, centre=kiosk.centre if kiosk else None, kiosk_id=found[1], proof=own,
                   countersigned=countersigned)


def _proofs(credential: dict) -> list[dict]:
    proofs = credential.get("proof")
    return [p for p in (proofs if isinstance(proofs, list) else [proofs]) if isinstance(p, dict)]


def hub_key() -> str:
    """This hub's did:key, the key of its countersignatures."""
    return badge.did_key(certificates.hub_badge_key().public_key())


def from_link(code: str, proof_value: str) -> Outcome | None:
    """The outcome for a QR code's link: the badge this hub received with that proof and code, checked."""
    found = certificates.badge(proof_value)
    if found is None or not certificates.find(code):
        return None
    return check(found[0])


def from_text(text: str) -> Outcome:
    """The outcome for a pasted or uploaded badge file."""
    try:
        credential = json.loads(text)
    except (ValueError, RecursionError):        # RecursionError: thousands of nested brackets
        return Outcome(False, reason="not JSON")
    return check(credential)


@bp.route("/verify/credential", methods=["GET", "POST"])
def verify_credential():
    """Check a signed badge: ?code=&proof= from a certificate's QR code, or a file pasted or sent."""
    outcome, asked = None, False
    if request.method == "POST":
        sent = request.files.get("file")
        text = sent.read(MAX_PASTED + 1).decode("utf-8", "replace") if sent and sent.filename \
            else request.form.get("credential", "")
        asked = bool(text.strip())
        if asked:
            outcome = from_text(text) if len(text.encode()) <= MAX_PASTED else Outcome(False, reason="too big")
    elif request.args.get("proof"):
        asked = True
        outcome = from_link(request.args.get("code", "").strip().upper(), request.args.get("proof", "").strip())
    status = 200 if not asked or (outcome and outcome.valid) else 404 if outcome is None else 400
    return render_template("hub/verify_credential.html", outcome=outcome, asked=asked,
                           subject=_subject(outcome), hub_key=hub_key()), status


@bp.route("/verify/credential/badge.json")
def countersigned_file():
    """The badge as this hub holds it (with its countersignature when the kiosk's proof verified), to download."""
    found = certificates.badge(request.args.get("proof", "").strip())
    if found is None:
        abort(404)
    return Response(json.dumps(found[0], ensure_ascii=False, indent=2), mimetype="application/ld+json",
                    headers={"Content-Disposition": 'attachment; filename="badge.json"'})


def _subject(outcome: Outcome | None) -> dict:
    """The few fields the page shows, read defensively: anyone can sign a badge of any shape."""
    held = outcome.credential if outcome and outcome.valid else None
    if not held:
        return {}
    subject, issuer = _dict(held.get("credentialSubject")), _dict(held.get("issuer"))
    ids = subject.get("identifier") if isinstance(subject.get("identifier"), list) else []
    names = [i.get("identityHash") for i in ids if isinstance(i, dict) and i.get("identityType") == "name"]
    return {"learner": _text(names[0] if names else ""), "course": _text(_dict(subject.get("achievement")).get("name")),
            "issuer": _text(issuer.get("name")), "issuer_key": _text(issuer.get("id")),
            "valid_from": _text(held.get("validFrom"))}


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _text(value) -> str:
    return value if isinstance(value, str) else ""
