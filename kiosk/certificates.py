"""Certificates of completion: issued offline, with a short code the hub can verify once synced."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from pathlib import Path
from urllib.parse import urlencode

import segno

from sync.client import enrollment, outbox

from . import reports, typed_text
from .db import database
from .models import Certificate, Learner, Progress, QuizAttempt

ALPHABET_GROUPS = (4, 4)
TEXT_MAX = 200          # letters of each text in the event: what the hub's certificate page shows


def make_code(secret: str, learner_uuid: str, course_id: str, issued_at: float) -> str:
    """A short code (XXXX-XXXX) derived from the kiosk's secret; easy to read aloud and type."""
    digest = hmac.new(secret.encode(), f"{learner_uuid}:{course_id}:{int(issued_at)}".encode(),
                      hashlib.sha256).digest()
    letters = base64.b32encode(digest).decode().replace("O", "8").replace("I", "9")[:8]
    return f"{letters[:4]}-{letters[4:]}"


def verification_text(data_dir: Path, code: str, fallback: str) -> str:
    """What the certificate's QR code holds: the hub's verification page for this code, once enrolled.

    A kiosk with no hub has no page to send a funder to: the code itself, after a short text (`fallback`).
    """
    link = enrollment.load(data_dir)
    if link is None:
        return fallback
    return f"{link.hub_url}/verify?{urlencode({'code': code})}"


def qr_svg(text: str) -> str:
    """`text` as a QR code, drawn as inline SVG offline (no request leaves the page), scalable by CSS."""
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


def issue(learner: Learner, course, secret: str, centre: str, now: float | None = None) -> Certificate:
    """The learner's certificate for a complete course (the same one if already issued)."""
    existing = Certificate.get_or_none((Certificate.learner == learner) & (Certificate.course_id == course.id))
    if existing:
        return existing
    now = now or time.time()
    code = make_code(secret, learner.uuid, course.id, now)
    with database.atomic():
        certificate = Certificate.create(code=code, learner=learner, course_id=course.id, issued_at=now)
        outbox.append("certificate.issued", learner.uuid, {
            "code": code, "course": course.id, "course_title": typed_text.bounded(course.title, TEXT_MAX),
            "name": typed_text.bounded(learner.name, TEXT_MAX), "centre": typed_text.bounded(centre, TEXT_MAX), "issued_at": int(now)},
            clock=lambda: now)
    return certificate
