"""Certificates as Open Badges 3.0 credentials: signed on the kiosk, checked offline with the key they name,
valid for 1EdTech's JSON schema, and the printed QR code (read back with zbarimg) opens the hub's check."""
from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image, ImageDraw

from kiosk import catalog, certificates
from kiosk import progress as progress_mod
from kiosk.db import database
from kiosk.models import Certificate, Learner
from sync.client.enrollment import Link, save
from sync.client.outbox import OutboxEvent
from sync.wire import badge, checks

SCHEMA = Path(__file__).parent / "fixtures" / "open_badges" / "achievementcredential.json"
HUB = "https://hub.example.org"


class Lesson:
    def __init__(self, title: str):
        self.title = title


class Course:
    """What a badge reads of a course (kiosk.catalog.CourseView has these and more)."""

    id, title, description, language = "email-basics", "Envoyer un e-mail", "Écrire et envoyer un message", "fr"
    lessons = (Lesson("Ouvrir sa boîte"), Lesson("Écrire"), Lesson("Joindre une photo"))


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def signed(key) -> dict:
    return certificates.make_badge(key, "Fatima Zahra", Course, "Centre social Les Tilleuls", 1_780_000_000)


def leaves(value, path=()):
    """(path, value) for every string and boolean in the credential, and (path, key) for every key."""
    if isinstance(value, dict):
        for name, child in value.items():
            yield path + (name,), ("key", name)
            yield from leaves(child, path + (name,))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from leaves(child, path + (i,))
    else:
        yield path, ("value", value)


def altered(credential: dict, path: tuple, what: tuple) -> dict:
    changed = copy.deepcopy(credential)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    kind, old = what
    if kind == "key":
        parent[old + "x"] = parent.pop(old)
    elif isinstance(old, bool):
        parent[path[-1]] = not old
    else:
        parent[path[-1]] = old[:-1] + chr(ord(old[-1]) ^ 1)     # one letter changed, the last
    return changed


def refused(text: bytes) -> bool:
    try:
        badge.verify(json.loads(text.decode("utf-8")))
    except (ValueError, badge.BadgeRefused):     # not JSON, not UTF-8, or not verifying
        return True
    return False


def test_a_badge_signed_by_the_kiosk_verifies_offline_with_the_key_it_names(key, signed):
    assert badge.verify(signed) == badge.did_key(key.public_key())
    assert badge.verify(json.loads(json.dumps(signed, indent=3))) == signed["issuer"]["id"]  # layout is no byte of it
    assert badge.public_key_of(signed["issuer"]["id"]).public_bytes_raw() == key.public_key().public_bytes_raw()
    assert signed["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert signed["credentialSubject"]["identifier"][0]["identityHash"] == "Fatima Zahra"


def test_changing_any_field_value_or_field_name_breaks_the_signature(signed):
    changes = list(leaves(signed))
    assert len(changes) > 50
    still_valid = [path for path, what in changes if not refused(json.dumps(altered(signed, path, what)).encode())]
    assert still_valid == []


def test_flipping_any_byte_of_the_badge_file_breaks_it(signed):
    text = json.dumps(signed, ensure_ascii=False, separators=(",", ":")).encode()
    positions = range(0, len(text), 3)        # one byte in three: every field is hit several times
    still_valid = [i for i in positions if not refused(text[:i] + bytes([text[i] ^ 1]) + text[i + 1:])]
    assert still_valid == []


def test_a_badge_countersigned_by_the_hub_carries_two_proofs_that_both_verify_and_any_flipped_byte_breaks(signed):
    hub = Ed25519PrivateKey.generate()
    both = badge.countersign(signed, hub, 1_780_000_600)
    assert badge.signers(both) == [signed["issuer"]["id"], badge.did_key(hub.public_key())]
    assert badge.verify(both) == signed["issuer"]["id"] and badge.issuer_only(both) == signed
    assert badge.countersign(both, hub, 1_780_000_900) == both          # signed once by each key
    text = json.dumps(both, ensure_ascii=False, separators=(",", ":")).encode()
    hub_proof = text.index(both["proof"][1]["proofValue"].encode())
    positions = [*range(0, len(text), 29), *range(hub_proof, hub_proof + 88, 7)]
    assert [i for i in positions if not refused(text[:i] + bytes([text[i] ^ 1]) + text[i + 1:])] == []
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert jsonschema.Draft201909Validator(schema).is_valid(both)
    forged = altered(signed, ("name",), ("value", signed["name"]))
    with pytest.raises(badge.BadgeRefused):
        badge.countersign(forged, hub, 1_780_000_600)                    # never countersigned: kept as sent


def test_a_badge_signed_by_another_key_or_naming_an_unknown_context_is_refused(key, signed):
    other = Ed25519PrivateKey.generate()
    forged = badge.sign({k: v for k, v in signed.items() if k != "proof"} | {
        "issuer": dict(signed["issuer"], id=badge.did_key(other.public_key()))}, other, 1_780_000_000)
    forged["issuer"] = signed["issuer"]          # claims the kiosk as issuer, signed by someone else
    with pytest.raises(badge.BadgeRefused):
        badge.verify(forged)
    forged["proof"][0]["verificationMethod"] = signed["proof"][0]["verificationMethod"]
    with pytest.raises(badge.BadgeRefused, match="changed after it was signed"):
        badge.verify(forged)
    elsewhere = dict(signed, **{"@context": [badge.CREDENTIALS_V2, "https://example.org/evil.json"]})
    with pytest.raises(badge.BadgeRefused, match="unknown JSON-LD context"):
        badge.verify(elsewhere)
    with pytest.raises(badge.BadgeRefused):
        badge.verify(dict(signed, proof=[]))


def test_a_badge_validates_against_the_1edtech_open_badges_schema(signed):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(signed)] == []
    assert "OpenBadgeCredential" in signed["type"]


def complete_basics(uuid: str) -> None:
    """Everything of the small test course done, through the kiosk's own functions."""
    learner = Learner.get(Learner.uuid == uuid)
    for lesson in catalog.course("basics", "en").lessons:
        version = catalog.lesson_by_key(lesson.key, "en")
        if version.quiz:
            progress_mod.record_quiz_attempt(learner, lesson.key, "basics", version.quiz,
                                             {0: ["1"], 1: ["false"], 2: ["Maj"]}, 2)
        else:
            progress_mod.complete_lesson(learner, lesson.key, "basics", 2)


def qr_png(svg: str, out: Path) -> Path:
    """The certificate's inline SVG QR code (segno's one path of horizontal runs) drawn as a PNG."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    image = Image.new("L", (size * 8, size * 8), 255)
    draw, x, y = ImageDraw.Draw(image), 0.0, 0.0
    for op, args in re.findall(r"([Mmh])([-\d. ]+)", re.search(r' d="([^"]+)"', svg).group(1)):
        numbers = [float(n) for n in args.split()]
        if op == "M":
            x, y = numbers
        elif op == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            draw.rectangle([x * 8, (y - 0.5) * 8, (x + numbers[0]) * 8 - 1, (y + 0.5) * 8 - 1], fill=0)
            x += numbers[0]
    image.save(out)
    return out


def test_the_printed_qr_code_opens_the_hubs_check_of_this_very_badge(app, learners, tmp_path):
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg missing (apt-get install zbar-tools)")
    data = Path(app.config["DATA_PATH"])
    save(data, Link(hub_url=HUB, kiosk_id="k1", secret="s", centre="Centre social Belleville", enrolled_at=time.time()))
    learners.create("Awa")
    with database.connection_context():
        complete_basics(Learner.get(Learner.name == "Awa").uuid)
    issued = learners.post("/courses/basics/certificate", token_from="/courses/basics")
    page = learners.client.get(issued.headers["Location"]).get_data(as_text=True)
    with database.connection_context():
        certificate = Certificate.get()
        credential = json.loads(certificate.credential)
        event = OutboxEvent.get(OutboxEvent.type == "certificate.issued")
    assert badge.verify(credential) == credential["issuer"]["id"]
    assert event.payload["credential"] == credential         # the hub receives the same badge
    assert checks.payload_problem(event.payload) is None
    svg = re.search(r"<svg[^>]*cert-qr-code.*?</svg>", page, re.DOTALL).group(0)
    read = subprocess.run(["zbarimg", "--quiet", "--raw", str(qr_png(svg, tmp_path / "qr.png"))],
                          capture_output=True, text=True, check=False)
    proof = credential["proof"][0]["proofValue"]
    assert read.stdout.split() == [f"{HUB}/verify/credential?code={certificate.code}&proof={proof}"]
    downloaded = learners.client.get(f"/certificates/{certificate.code}/badge.json")
    assert downloaded.headers["Content-Disposition"].startswith("attachment")
    assert json.loads(downloaded.data) == credential


def test_a_certificate_from_before_badges_is_signed_when_first_shown(app, learners):
    save(Path(app.config["DATA_PATH"]), Link(hub_url=HUB, kiosk_id="k1", secret="s", centre="Centre",
                                             enrolled_at=time.time()))
    learners.create("Bilal")
    with database.connection_context():
        learner = Learner.get(Learner.name == "Bilal")
        Certificate.create(code="OLD1-CERT", learner=learner, course_id="basics", issued_at=1_700_000_000)
    shown = learners.client.get("/certificates/OLD1-CERT")
    assert shown.status_code == 200 and "verify/credential" not in shown.get_data(as_text=True)  # the hub lacks it
    first = learners.client.get("/certificates/OLD1-CERT/badge.json").get_json()
    assert badge.verify(first) and first["validFrom"] == "2023-11-14T22:13:20Z"
    assert learners.client.get("/certificates/OLD1-CERT/badge.json").get_json() == first    # kept, not re-signed


def test_a_badge_with_every_text_at_its_longest_still_fits_in_the_certificates_event(key):
    class Long(Course):
        title = description = "ش" * 400
        lessons = tuple(Lesson("درس " * 30) for _ in range(40))

    made = certificates.make_badge(key, "ب" * 40, Long, "م" * 400, 1_780_000_000)
    payload = {"code": "ABCD-EFGH", "course": Long.id, "course_title": "ش" * 200, "name": "ب" * 40,
               "centre": "م" * 200, "issued_at": 1_780_000_000, "credential": made}
    assert badge.verify(made) and checks.payload_problem(payload) is None
