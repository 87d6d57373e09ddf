"""The hub's facilitator pages, CSV export, xAPI statements and the hub's command line."""
import csv
import io
import json
import re
import subprocess
import sys
import uuid

import pytest
import requests
import tincan

from sync.hub import xapi
from sync.hub.auth import create_facilitator
from tests.conftest import ROOT
from tests.sync_tests.conftest import get

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery"
XAPI = {"X-Experience-API-Version": "1.0.3"}


@pytest.fixture
def synced(classroom, enrolled, hub):
    """Two learners' progress already on the hub; returns the kiosk's event ids."""
    _, uploader = enrolled
    for name in ("Awa", "=HYPERLINK(\"x\")"):
        classroom.study(classroom.join(name), 10)
    assert uploader.push().ok
    hub.query(lambda: create_facilitator("Nadia", PASSWORD))
    return classroom.outbox_ids()


def signed_in(hub) -> requests.Session:
    browser = requests.Session()
    token = CSRF.search(browser.get(hub.url + "/login", timeout=10).text).group(1)
    answer = browser.post(hub.url + "/login", data={"name": "Nadia", "password": PASSWORD, "csrf_token": token},
                          timeout=10, allow_redirects=False)
    assert answer.status_code == 302
    return browser


def test_pages_need_a_signed_in_facilitator(hub):
    for path in ("/", "/learners", "/learners.csv", "/enroll-codes"):
        assert get(hub.url + path, allow_redirects=False).status_code == 302
    assert get(hub.url + "/xapi/statements").status_code == 401


def test_a_facilitator_sees_kiosks_learners_and_downloads_csv(synced, hub):
    browser = signed_in(hub)
    kiosks = browser.get(hub.url + "/", timeout=10).text
    assert "Centre social Belleville" in kiosks and f"<td>{len(synced)}</td>" in kiosks
    assert "Courses served" in kiosks and "not known yet" in kiosks          # it never asked for courses
    learners = browser.get(hub.url + "/learners", timeout=10).text
    assert "Awa" in learners and "basics" in learners
    rows = list(csv.DictReader(io.StringIO(browser.get(hub.url + "/learners.csv", timeout=10).text)))
    assert {r["name"] for r in rows} == {"Awa", "'=HYPERLINK(\"x\")"}        # no formula reaches a spreadsheet
    assert all(r["centre"] == "Centre social Belleville" for r in rows)


def test_a_facilitator_makes_an_enrolment_code_on_the_page(hub, synced):
    browser = signed_in(hub)
    token = CSRF.search(browser.get(hub.url + "/enroll-codes", timeout=10).text).group(1)
    page = browser.post(hub.url + "/enroll-codes", data={"centre": "Médiathèque", "csrf_token": token}, timeout=10).text
    assert re.search(r'class="code">[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}<', page)


def test_a_centre_name_with_a_nul_gets_a_message_and_no_code(hub, synced):
    browser = signed_in(hub)
    token = CSRF.search(browser.get(hub.url + "/enroll-codes", timeout=10).text).group(1)
    answer = browser.post(hub.url + "/enroll-codes", data={"centre": "Centre\x00social", "csrf_token": token},
                          timeout=10)
    assert answer.status_code == 400 and 'role="alert"' in answer.text and 'class="code"' not in answer.text


def test_xapi_statements_are_valid_and_stable(synced, hub):
    answer = get(hub.url + "/xapi/statements?limit=5", auth=("Nadia", PASSWORD), headers=XAPI)
    assert answer.status_code == 200 and answer.headers["X-Experience-API-Version"] == "1.0.3"
    statements, more = [], answer.json()
    while True:
        statements += more["statements"]
        if not more["more"]:
            break
        more = get(hub.url + more["more"], auth=("Nadia", PASSWORD), headers=XAPI).json()
    assert statements
    verbs = {s["verb"]["id"].rsplit("/", 1)[1] for s in statements}
    assert verbs <= {"experienced", "completed", "answered", "passed", "failed"} and "answered" in verbs
    for statement in statements:
        tincan.Statement.from_json(json.dumps(statement))        # an independent xAPI parser accepts it
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", statement["timestamp"])
        assert set(statement["actor"]["account"]) == {"homePage", "name"} and "name" not in statement["actor"]
        uuid.UUID(statement["id"])
    assert len({s["id"] for s in statements}) == len(statements)
    again = get(hub.url + "/xapi/statements?limit=500", auth=("Nadia", PASSWORD), headers=XAPI).json()["statements"]
    assert [s["id"] for s in again] == [s["id"] for s in statements]


def test_statement_ids_derive_from_event_ids():
    event = type("E", (), {"id": str(uuid.uuid4()), "type": "lesson.completed", "learner_uuid": str(uuid.uuid4()),
                           "kiosk_id": "k", "hlc": "001732800000123-000000",
                           "payload": json.dumps({"lesson": "a", "course": "c", "time_spent": 61})})()
    statement = xapi.statements_for(event, "https://hub.example")[0]
    assert statement["id"] == str(uuid.uuid5(xapi.NAMESPACE, event.id))
    assert statement["timestamp"] == "2024-11-28T13:20:00.123Z"
    assert statement["result"] == {"completion": True, "duration": "PT61S"}


def hub_cli(*args, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", "hub", *args], cwd=ROOT, capture_output=True, text=True,
                          input=stdin, timeout=60)


def test_the_hub_command_line_makes_codes_accounts_and_xapi_files(tmp_path):
    data = str(tmp_path / "hub")
    code = hub_cli("enroll-code", "Centre social Belleville", "--data", data)
    assert code.returncode == 0 and re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\n", code.stdout)
    made = hub_cli("create-facilitator", "Nadia", "--data", data, stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    short = hub_cli("create-facilitator", "Other", "--data", data, stdin="short\n")
    assert short.returncode != 0 and "10 characters" in short.stderr
    exported = hub_cli("export-xapi", str(tmp_path / "x.json"), "--data", data)
    assert exported.returncode == 0 and json.loads((tmp_path / "x.json").read_text()) == []


def test_export_xapi_writes_the_same_bytes_as_the_endpoint_whatever_host_a_request_names(synced, hub, tmp_path):
    where = (["--database-url", hub.app.config["DATABASE_URL"]] if hub.app.config["DATABASE_URL"]
             else ["--data", hub.app.config["HUB_DATA_DIR"]])
    exported = hub_cli("export-xapi", str(tmp_path / "x.json"), *where)       # no public address set: the fallback
    assert exported.returncode == 0, exported.stderr
    lines = (tmp_path / "x.json").read_text(encoding="utf-8").splitlines()[1:-1]
    forged = dict(XAPI, Host="evil.example")
    answer = get(hub.url + "/xapi/statements?ascending=true", auth=("Nadia", PASSWORD), headers=forged)
    assert answer.status_code == 200 and lines and "evil.example" not in answer.text
    for line in lines:
        assert line.rstrip(",") in answer.text                      # each statement, byte for byte
    assert [json.loads(line.rstrip(",")) for line in lines] == answer.json()["statements"]
    assert answer.json()["statements"][0]["actor"]["account"]["homePage"] == xapi.FALLBACK_URL
