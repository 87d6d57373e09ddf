"""The hub's check of a signed badge: the QR code's link, and a badge file pasted or sent, once the kiosk synced."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import requests

from kiosk import catalog, certificates
from kiosk.db import database
from tests.test_badges import complete_basics

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def issued_badge(classroom, kiosk, name: str) -> tuple[str, dict]:
    """A learner completes the small course and gets a certificate, signed by the kiosk: (code, badge)."""
    uuid = classroom.join(name)
    with database.connection_context():
        complete_basics(uuid)
        certificate = certificates.issue(classroom.learner(uuid), catalog.course("basics", "en"), "kiosk-secret",
                                         "", key=certificates.badge_key(Path(kiosk.config["DATA_PATH"])))
        return certificate.code, json.loads(certificate.credential)


def send(url: str, text: str = "", file: bytes | None = None) -> requests.Response:
    """The form, filled as a visitor does: its page first (for the CSRF token), then the post."""
    with requests.Session() as visitor:
        token = CSRF.search(visitor.get(url, timeout=10).text).group(1)
        return visitor.post(url, data={"csrf_token": token, "credential": text}, timeout=30,
                            files={"file": ("badge.json", file)} if file is not None else None)


def test_a_synced_badge_is_checked_by_its_qr_link_and_as_a_pasted_or_sent_file(classroom, enrolled, hub, kiosk):
    _, uploader = enrolled
    code, credential = issued_badge(classroom, kiosk, "Awa")
    proof = credential["proof"][0]["proofValue"]
    page = f"{hub.url}/verify/credential"
    assert requests.get(page, params={"code": code, "proof": proof}, timeout=10).status_code == 404  # not synced yet
    assert uploader.push().ok
    opened = requests.get(page, params={"code": code, "proof": proof}, timeout=10)
    assert opened.status_code == 200 and "Awa" in opened.text and "Centre social Belleville" in opened.text
    pasted = send(page, json.dumps(credential, indent=2))
    assert pasted.status_code == 200 and "Centre social Belleville" in pasted.text
    sent = send(page, file=json.dumps(credential).encode())
    assert sent.status_code == 200 and "Awa" in sent.text
    assert "/verify/credential" in requests.get(f"{hub.url}/verify", timeout=10).text


def test_a_changed_badge_or_an_unknown_proof_is_not_called_genuine(classroom, enrolled, hub, kiosk):
    _, uploader = enrolled
    code, credential = issued_badge(classroom, kiosk, "Bilal")
    assert uploader.push().ok
    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    refused = send(f"{hub.url}/verify/credential", json.dumps(changed))
    assert refused.status_code == 400 and "Someone Else" not in refused.text
    assert send(f"{hub.url}/verify/credential", "{not json").status_code == 400
    unknown = requests.get(f"{hub.url}/verify/credential", params={"code": code, "proof": "z" + "1" * 80},
                           timeout=10)
    assert unknown.status_code == 404 and "Bilal" not in unknown.text
