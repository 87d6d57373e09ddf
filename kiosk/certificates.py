"""Certificates of completion: issued offline, with a short code the hub can verify once synced."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from sync.client import enrollment, outbox
from sync.packs import signing
from sync.wire import badge

from . import reports, typed_text
from .db import database
from .models import Certificate, Learner, Progress, QuizAttempt

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ALPHABET_GROUPS = (4, 4)
TEXT_MAX = 200          # letters of each text in the event: what the hub's certificate page shows
CRITERIA_MAX = 1000     # letters of the lesson list: every text at its longest, in Arabic, still fits the 8 KB event
BADGE_KEY = "badge-key"  # folder in the data folder: this kiosk's Ed25519 key for badges (made on first use)


def make_code(secret: str, learner_uuid: str, course_id: str, issued_at: float) -> str:
    """A short code (XXXX-XXXX) derived from the kiosk's secret; easy to read aloud and type."""
    digest = hmac.new(secret.encode(), f"{learner_uuid}:{course_id}:{int(issued_at)}".encode(),
                      hashlib.sha256).digest()
    letters = base64.b32encode(digest).decode().replace("O", "8").replace("I", "9")[:8]
    return f"{letters[:4]}-{letters[4:]}"


def verification_text(data_dir: Path, code: str, fallback: str, proof: str | None = None) -> str:
    """What the certificate's QR code holds: the hub's verification page for this code, once enrolled.

    With the badge's proof value (88 letters) the link opens the hub's check of the signed badge; the
    whole badge (over 1 KB) would make a QR code too dense to scan from paper. A kiosk with no hub has
    no page to send a funder to: the code itself, after a short text (`fallback`).
    """
    link = enrollment.load(data_dir)
    if link is None:
        return fallback
    if proof:
        return f"{link.hub_url}/verify/credential?{urlencode({'code': code, 'proof': proof})}"
    return f"{link.hub_url}/verify?{urlencode({'code': code})}"


def badge_key(data_dir: Path) -> Ed25519PrivateKey:
    """This kiosk's key for signing badges, made the first time (its public key is in every badge)."""
    return signing.own_key(data_dir / BADGE_KEY)


def make_badge(key: Ed25519PrivateKey, learner_name: str, course, centre: str, issued_at: float) -> dict:
    """The certificate as a signed Open Badges 3.0 credential (sync/wire/badge.py), its texts bounded."""
    lessons = typed_text.bounded("; ".join(lesson.title for lesson in course.lessons), CRITERIA_MAX)
    title = typed_text.bounded(course.title, TEXT_MAX)
    unsigned = badge.credential(
        credential_id=f"urn:uuid:{uuid.uuid4()}", issuer=badge.did_key(key.public_key()),
        issuer_name=typed_text.bounded(centre, TEXT_MAX) or "Relais", learner_name=learner_name,
        course_id=course.id, course_title=title,
        description=typed_text.bounded(course.description, TEXT_MAX) or title,
        criteria=lessons or title, issued_at=issued_at, language=course.language)
    return badge.sign(unsigned, key, issued_at)


def badge_of(certificate: Certificate, course, centre: str, data_dir: Path) -> dict:
    """The certificate's badge; one made before badges existed, or brought by a travelling card, is
    signed here the first time it is asked for (this kiosk then is its issuer; the hub never gets it,
    so its QR code keeps the code's link)."""
    if certificate.credential:
        return json.loads(certificate.credential)
    made = make_badge(badge_key(data_dir), certificate.learner.name, course, centre, certificate.issued_at)
    Certificate.update(credential=json.dumps(made, ensure_ascii=False)).where(
        (Certificate.id == certificate.id) & Certificate.credential.is_null()).execute()
    return json.loads(Certificate.get_by_id(certificate.id).credential)


def keep_countersigned(certificate: Certificate, credential) -> bool:
    """Replace the certificate's badge by the hub's countersigned copy, when that copy verifies, carries more
    proofs, and is this kiosk's own badge with its own proof unchanged (a learner's card brings it back)."""
    if not certificate.credential or not isinstance(credential, dict):
        return False
    mine = json.loads(certificate.credential)
    if credential == mine or badge.issuer_only(credential) != badge.issuer_only(mine):
        return False                    # the same file, or not this kiosk's badge as it made it
    try:
        signed_by = badge.signers(credential)       # every proof right: the kiosk's own among them
    except badge.BadgeRefused:
        return False
    if len(signed_by) <= len(mine.get("proof") or []):
        return False
    Certificate.update(credential=json.dumps(credential, ensure_ascii=False)).where(
        Certificate.id == certificate.id).execute()
    return True


def qr_proof(certificate: Certificate, credential: dict) -> str | None:
    """The proof value the QR code's link carries: only for a badge the hub was sent with the certificate."""
    return credential["proof"][0]["proofValue"] if certificate.badge_sent else None


def qr_svg(text: str) -> str:
    """`text` as a QR code, drawn as inline SVG offline (no request leaves the page), scalable by CSS."""
    import segno  # only for a printed certificate: not held by a kiosk that serves lessons

    return segno.make(text, error="m").svg_inline(scale=1, omitsize=True, svgclass="cert-qr-code",
                                                   lineclass=None)


def is_complete(learner: Learner, course) -> bool:
    """Whether the learner completed every lesson of the course and passed its quizzes at its mark.

    The course page asks on every visit, so only this learner's rows for this course are read.
    """
    rows = list(Progress.select().where((Progress.learner == learner) & (Progress.course_id == course.id)))
    quizzes = [les.key for les in course.lessons if les.has_quiz]
    attempts = (QuizAttempt.select()
                .where((QuizAttempt.learner == learner) & QuizAttempt.lesson_key.in_(quizzes))
                .order_by((QuizAttempt.score.cast("REAL") / QuizAttempt.total).desc()))
    best: dict = {}
    for attempt in attempts:      # best share first (REAL, or SQLite divides integers), so keep the first
        best.setdefault((learner.id, attempt.lesson_key), attempt)
    return reports.course_completion(course, rows, best)


def issue(learner: Learner, course, secret: str, centre: str, now: float | None = None,
          key: Ed25519PrivateKey | None = None) -> Certificate:
    """The learner's certificate for a complete course (the same one if already issued).

    With this kiosk's badge key the certificate is also a signed badge, sent to the hub in its event.
    """
    existing = Certificate.get_or_none((Certificate.learner == learner) & (Certificate.course_id == course.id))
    if existing:
        return existing
    now = now or time.time()
    code = make_code(secret, learner.uuid, course.id, now)
    made = make_badge(key, learner.name, course, centre, now) if key else None
    payload = {"code": code, "course": course.id, "course_title": typed_text.bounded(course.title, TEXT_MAX),
               "name": typed_text.bounded(learner.name, TEXT_MAX), "centre": typed_text.bounded(centre, TEXT_MAX),
               "issued_at": int(now)}
    with database.atomic():
        certificate = Certificate.create(code=code, learner=learner, course_id=course.id, issued_at=now,
                                         credential=json.dumps(made, ensure_ascii=False) if made else None,
                                         badge_sent=made is not None)
        outbox.append("certificate.issued", learner.uuid, dict(payload, credential=made) if made else payload,
                      clock=lambda: now)
    return certificate
