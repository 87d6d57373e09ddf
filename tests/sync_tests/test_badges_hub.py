"""The hub's check of a signed badge: the QR code's link, and a badge file pasted or sent, once the kiosk synced;
and the hub's countersignature, which comes back to the kiosk with the learner's card."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
import requests

from kiosk import catalog, certificates
from kiosk.db import database
from kiosk.models import Certificate
from sync.client.outbox import OutboxEvent
from sync.client.worker import SyncWorker
from sync.hub import certificates as hub_certificates
from sync.hub.models import Certificate as HubCertificate
from sync.hub.models import LessonState
from sync.wire import badge
from tests.test_badges import SCHEMA, complete_basics

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


def sync_turn(kiosk, link) -> None:
    """One turn of the kiosk's sync, as its worker runs it: upload, then the network's cards."""
    worker = SyncWorker(Path(kiosk.config["DATA_PATH"]), timeouts=(2, 10), roaming=kiosk.extensions["roaming"])
    worker.roaming.prepare()
    assert worker._upload(link)[0]
    assert worker._cards(link) is not None


def test_a_synced_badge_comes_back_to_its_kiosk_countersigned_by_the_hub(classroom, enrolled, hub, kiosk):
    link, _ = enrolled
    code, sent = issued_badge(classroom, kiosk, "Chloé")
    sync_turn(kiosk, link)
    with database.connection_context():
        back = json.loads(Certificate.get(Certificate.code == code).credential)
    hub_did = badge.did_key(hub_certificates.badge_key(Path(hub.app.config["HUB_CONTENT_DIR"])).public_key())
    assert badge.signers(back) == [sent["issuer"]["id"], hub_did] and badge.verify(back) == sent["issuer"]["id"]
    assert back["proof"][0] == sent["proof"][0] and badge.issuer_only(back) == sent
    assert jsonschema.Draft201909Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).is_valid(back)
    changed = json.dumps(back, ensure_ascii=False).replace("Chloé", "Chloe")
    assert changed != json.dumps(back, ensure_ascii=False)
    with pytest.raises(badge.BadgeRefused):
        badge.verify(json.loads(changed))
    page = requests.get(f"{hub.url}/verify/credential", params={"code": code, "proof": sent["proof"][0]["proofValue"]},
                        timeout=10)
    assert page.status_code == 200 and hub_did in page.text and "countersigned" in page.text
    download = requests.get(f"{hub.url}/verify/credential/badge.json", params={"proof": sent["proof"][0]["proofValue"]},
                            timeout=10)
    assert download.json() == back and "attachment" in download.headers["Content-Disposition"]
    assert "Centre social Belleville" in send(f"{hub.url}/verify/credential", json.dumps(sent)).text  # the kiosk's copy


def test_a_badge_with_a_bad_kiosk_proof_is_kept_as_sent_and_the_rest_of_the_batch_goes_in(classroom, enrolled,
                                                                                           hub, kiosk):
    _, uploader = enrolled
    code, sent = issued_badge(classroom, kiosk, "Dounia")
    other = classroom.join("Emre")
    with database.connection_context():
        complete_basics(other)
        event = OutboxEvent.get(OutboxEvent.type == "certificate.issued")
        forged = copy.deepcopy(sent)
        forged["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
        OutboxEvent.update(payload=dict(event.payload, credential=forged)).where(OutboxEvent.id == event.id).execute()
    assert uploader.push().ok
    kept = hub.query(lambda: HubCertificate.get(HubCertificate.code == code).credential)
    assert json.loads(kept) == forged and len(forged["proof"]) == 1
    assert hub.query(lambda: LessonState.select().where(LessonState.learner_uuid == other).count()) > 0


def test_a_badge_carried_on_a_usb_stick_and_imported_by_command_is_countersigned_too(classroom, kiosk, sqlite_hub,
                                                                                     tmp_path):
    from click.testing import CliRunner

    from kiosk.cli import cli
    from tests.sync_tests.conftest import enroll_kiosk

    enroll_kiosk(kiosk, sqlite_hub.url, sqlite_hub.code())
    code, sent = issued_badge(classroom, kiosk, "Fatou")
    runner, stick = CliRunner(), tmp_path / "progress.relais"
    assert runner.invoke(cli, ["sync", "export", str(stick), "--data", kiosk.config["DATA_PATH"]]).exit_code == 0
    hub_data = sqlite_hub.app.config["HUB_DATA_DIR"]
    imported = runner.invoke(cli, ["hub", "--data", hub_data, "import", str(stick)])
    assert imported.exit_code == 0, imported.output
    kept = json.loads(sqlite_hub.query(lambda: HubCertificate.get(HubCertificate.code == code).credential))
    hub_did = badge.did_key(hub_certificates.badge_key(Path(sqlite_hub.app.config["HUB_CONTENT_DIR"])).public_key())
    assert badge.signers(kept) == [sent["issuer"]["id"], hub_did] and badge.issuer_only(kept) == sent
