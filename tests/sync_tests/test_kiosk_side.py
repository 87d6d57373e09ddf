"""What a facilitator does on the kiosk: enrol, see the sync status in plain words, Sync now, print a receipt;
and the same from the command line."""
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.db import database
from kiosk.facilitators import create as create_facilitator
from sync.client import enrollment, state
from tests.conftest import ROOT, Learners


@pytest.fixture
def staff(kiosk):
    client = kiosk.test_client()
    client.set_cookie("lang", "en")         # this facilitator reads the kiosk in English
    with database.connection_context():
        create_facilitator("Samia", "correct horse battery")
    helper = Learners(client)
    helper.post("/facilitator/login", {"name": "Samia", "password": "correct horse battery"},
                token_from="/facilitator/login")
    return helper


def test_the_sync_page_is_for_facilitators_only(kiosk):
    assert kiosk.test_client().get("/facilitator/sync/").status_code == 302


def test_a_facilitator_enrols_the_kiosk_syncs_now_and_prints_a_receipt(kiosk, staff, hub, classroom):
    awa = classroom.join("Awa")
    classroom.study(awa, 5)
    page = staff.client.get("/facilitator/sync/").get_data(as_text=True)
    assert "not linked to a hub yet" in page
    answer = staff.post("/facilitator/sync/enroll", {"hub_url": hub.url, "code": hub.code("Belleville")},
                        token_from="/facilitator/sync/")
    assert answer.status_code == 302
    page = staff.client.get("/facilitator/sync/").get_data(as_text=True)
    assert "Belleville" in page and "Never yet" in page
    assert staff.post("/facilitator/sync/now", token_from="/facilitator/sync/").status_code == 302
    kiosk.extensions["sync_once"].join(10)
    page = staff.client.get("/facilitator/sync/").get_data(as_text=True)
    assert "Never yet" not in page and "Records waiting to be sent</dt>\n  <dd>0</dd>" in page
    receipt = staff.client.get("/facilitator/sync/receipt").get_data(as_text=True)
    assert "Hub holds everything up to" in receipt and f"1/{len(classroom.outbox_ids())}" in receipt


def test_a_wrong_code_is_explained_in_plain_words(kiosk, staff, hub):
    staff.post("/facilitator/sync/enroll", {"hub_url": hub.url, "code": "AAAA-BBBB-CCCC"},
               token_from="/facilitator/sync/")
    page = staff.client.get("/facilitator/sync/").get_data(as_text=True)
    assert "already used or more than 24 hours old" in page
    assert enrollment.load(Path(kiosk.config["DATA_PATH"])) is None


def test_an_unreachable_hub_is_shown_in_plain_words(kiosk, staff, hub, classroom):
    staff.post("/facilitator/sync/enroll", {"hub_url": hub.url, "code": hub.code()}, token_from="/facilitator/sync/")
    classroom.study(classroom.join("Awa"), 2)
    data = Path(kiosk.config["DATA_PATH"])
    link = enrollment.load(data)
    (data / "sync.json").unlink()
    enrollment.save(data, enrollment.Link(**dict(link.__dict__, hub_url="http://127.0.0.1:9")))
    staff.post("/facilitator/sync/now", token_from="/facilitator/sync/")
    kiosk.extensions["sync_once"].join(10)
    page = staff.client.get("/facilitator/sync/").get_data(as_text=True)
    assert "The hub could not be reached" in page
    with database.connection_context():
        assert state.current().last_error == "unreachable"


def test_the_credentials_file_is_readable_by_the_kiosk_user_only(enrolled, kiosk):
    path = Path(kiosk.config["DATA_PATH"]) / "sync.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["secret"]


def run(*args, data: Path, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", *args, "--data", str(data)], cwd=ROOT, capture_output=True,
                          text=True, input=stdin, timeout=60)


def test_enrol_and_sync_from_the_command_line(kiosk, classroom, hub):
    data = Path(kiosk.config["DATA_PATH"])
    classroom.study(classroom.join("Awa"), 6)
    enrolled = run("enroll", hub.url, hub.code(), data=data)
    assert enrolled.returncode == 0, enrolled.stderr
    assert "Enrolled" in enrolled.stdout
    again = run("enroll", hub.url, hub.code(), data=data)
    assert again.returncode != 0 and "already enrolled" in again.stderr
    synced = run("sync", data=data)
    assert synced.returncode == 0 and "nothing waiting" in synced.stdout
    assert sorted(hub.event_ids()) == sorted(classroom.outbox_ids())


def test_sync_exits_non_zero_with_a_plain_message_when_the_hub_is_away(kiosk, classroom, hub):
    data = Path(kiosk.config["DATA_PATH"])
    assert run("enroll", hub.url, hub.code(), data=data).returncode == 0
    classroom.study(classroom.join("Awa"), 2)
    link = enrollment.load(data)
    (data / "sync.json").unlink()
    enrollment.save(data, enrollment.Link(**dict(link.__dict__, hub_url="http://127.0.0.1:9")))
    synced = run("sync", data=data)
    assert synced.returncode == 1
    assert "could not be reached" in synced.stderr and "still waiting" in synced.stderr


def test_sync_before_enrolment_says_what_to_do(tmp_path):
    synced = run("sync", data=tmp_path / "data")
    assert synced.returncode != 0 and "enroll HUB_URL CODE" in synced.stderr


def test_the_settings_page_knows_the_kiosk_is_enrolled(kiosk, enrolled):
    status = kiosk.test_client().get("/-/settings.json").get_json()["hub"]
    assert status["enrolled"] is True and "secret" not in json.dumps(status)
