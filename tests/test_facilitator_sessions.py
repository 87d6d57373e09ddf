"""Facilitator sessions that really end, on the kiosk and on the hub (SQLite and PostgreSQL): a cookie
copied before sign-out opens nothing after it, a new password ends every copy, an idle session ends
after FACILITATOR_IDLE_MINUTES, a learner logging in ends the facilitator's session row, and a NUL or
another control character in a sign-in form or a Basic-auth header is a 4xx, never a 500."""
from __future__ import annotations

import base64
import re
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
import requests
from click.testing import CliRunner

from kiosk import db as kiosk_db
from kiosk import facilitators
from kiosk.cli import cli
from kiosk.models import Facilitator as KioskFacilitator
from kiosk.models import FacilitatorSession as KioskSession
from kiosk.models import LearnerSession
from sync.base import credentials, facilitator_sessions, next_page
from sync.hub import auth
from sync.hub.models import Facilitator as HubFacilitator
from sync.hub.models import FacilitatorSession as HubSession
from tests.conftest import ROOT, Learners
from tests.reliability.kiosk_client import free_port
from tests.sync_tests.conftest import (
    BACKENDS,
    POSTGRES_URL,
    hub,  # noqa: F401  (the hub on SQLite and on PostgreSQL)
    reset_postgres,
    wait_for,
)

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
MINUTE = 60
HOSTILE = [("Sa\x00mia", PASSWORD), ("Samia", PASSWORD + "\x00"), ("\x00", "\x00"), ("Sa\tmia", PASSWORD),
           ("Samia", "correct\x1bhorse battery"), ("S" * (credentials.MAX_NAME + 1), PASSWORD),
           ("Samia", "p" * (credentials.MAX_PASSWORD + 1))]


# --- the kiosk -------------------------------------------------------------------------------------

@pytest.fixture
def staff(app, client):
    with kiosk_db.database.connection_context():
        facilitators.create("Samia", PASSWORD)
        facilitators.create("Karim", PASSWORD)
    return Learners(client)


def kiosk_sign_in(helper: Learners, name: str = "Samia", password: str = PASSWORD):
    return helper.post("/facilitator/login", {"name": name, "password": password}, token_from="/facilitator/login")


def kiosk_browser(app, name: str = "Samia") -> Learners:
    """Another browser, signed in as `name`."""
    helper = Learners(app.test_client())
    assert kiosk_sign_in(helper, name).status_code == 302
    return helper


def with_cookie_of(app, helper: Learners):
    """A third browser holding a copy of `helper`'s cookie, as someone who copied it would."""
    other = app.test_client()
    other.set_cookie("relais", helper.client.get_cookie("relais").value)
    return other


def kiosk_sessions() -> list[str]:
    with kiosk_db.database.connection_context():
        return [row.facilitator.name for row in KioskSession.select().order_by(KioskSession.created_at)]


def test_a_kiosk_cookie_copied_before_sign_out_opens_nothing_after_it(app, staff):
    samia = kiosk_browser(app)
    copy = with_cookie_of(app, samia)
    assert copy.get("/facilitator/dashboard").status_code == 200        # the copy works while signed in
    samia.post("/facilitator/logout", token_from="/facilitator/")
    assert kiosk_sessions() == []
    assert copy.get("/facilitator/dashboard").status_code == 302
    assert samia.client.get("/facilitator/dashboard").status_code == 302


def test_a_new_kiosk_password_ends_every_session_of_that_account_and_only_those(app, staff, tmp_path):
    phone, desk, karim = kiosk_browser(app), kiosk_browser(app), kiosk_browser(app, "Karim")
    copies = [with_cookie_of(app, phone), with_cookie_of(app, desk)]
    assert kiosk_sessions() == ["Samia", "Samia", "Karim"]

    changed = CliRunner().invoke(cli, ["set-password", "Samia", "--data", str(tmp_path / "data")],
                                 input=NEW_PASSWORD + "\n")
    assert changed.exit_code == 0, changed.output
    assert "New password for facilitator 'Samia'; 2 open session(s) ended." in changed.output
    for browser in [phone.client, desk.client] + copies:
        assert browser.get("/facilitator/dashboard").status_code == 302
    assert karim.client.get("/facilitator/dashboard").status_code == 200       # another account keeps its own
    assert kiosk_sign_in(Learners(app.test_client()), password=PASSWORD).status_code == 400
    assert kiosk_sign_in(Learners(app.test_client()), password=NEW_PASSWORD).status_code == 302


def test_relais_set_password_refuses_an_unknown_name_a_short_password_and_a_control_character(app, staff, tmp_path):
    data = ["--data", str(tmp_path / "data")]
    for args, typed, said in ((["Nobody"], NEW_PASSWORD, "no facilitator is called 'Nobody'."),
                              (["Samia"], "short", "at least 10 characters"),
                              (["Samia"], "new\tpassword here", "control characters")):
        refused = CliRunner().invoke(cli, ["set-password", *args, *data], input=typed + "\n")
        assert refused.exit_code == 1 and said in refused.output, refused.output
    with kiosk_db.database.connection_context():
        assert facilitators.authenticate("Samia", PASSWORD).name == "Samia"       # unchanged


def test_a_learner_logging_in_on_the_same_browser_deletes_the_facilitators_session_row(app, staff):
    samia = kiosk_browser(app)
    copy = with_cookie_of(app, samia)
    assert samia.create("Awa").status_code == 302                 # a learner takes the screen
    assert kiosk_sessions() == []
    assert copy.get("/facilitator/dashboard").status_code == 302
    assert samia.client.get("/facilitator/dashboard").status_code == 302


def test_a_facilitator_signing_in_where_a_learner_was_ends_the_learners_session_too(app, staff):
    helper = Learners(app.test_client())
    helper.create("Awa")
    assert kiosk_sign_in(helper).status_code == 302
    with kiosk_db.database.connection_context():
        assert LearnerSession.select().count() == 0


def test_an_idle_kiosk_session_is_refused_and_deleted_after_facilitator_idle_minutes(app, staff):
    idle = app.config["FACILITATOR_IDLE_MINUTES"]
    assert idle == 30
    start = 1_800_000_000.0
    with kiosk_db.database.connection_context():
        account = KioskFacilitator.get(KioskFacilitator.name == "Samia")
        token = facilitators.start_session(account, idle, now=start)
        used_at = start + (idle - 1) * MINUTE
        assert facilitators.session_account(token, idle, now=used_at).name == "Samia"   # used: countdown restarts
        assert facilitators.session_account(token, idle, now=used_at + (idle - 1) * MINUTE).name == "Samia"
        assert facilitators.session_account(token, idle, now=used_at + (2 * idle) * MINUTE) is None
        assert KioskSession.select().count() == 0                    # refused, and deleted


def test_an_idle_kiosk_session_is_refused_through_the_pages_too(app, staff):
    samia = kiosk_browser(app)
    with kiosk_db.database.connection_context():
        KioskSession.update(last_seen=time.time() - 31 * MINUTE).execute()      # half an hour ago
    assert samia.client.get("/facilitator/dashboard").status_code == 302
    assert kiosk_sessions() == []


def test_last_seen_is_written_at_most_once_a_minute(app, staff):
    start = 1_800_000_000.0
    with kiosk_db.database.connection_context():
        account = KioskFacilitator.get(KioskFacilitator.name == "Samia")
        token = facilitators.start_session(account, 30, now=start)
        for second in (1, 20, 59):
            facilitators.session_account(token, 30, now=start + second)
        assert KioskSession.get().last_seen == start
        facilitators.session_account(token, 30, now=start + 61)
        assert KioskSession.get().last_seen == start + 61


def test_a_kiosk_session_ends_8_hours_after_sign_in_however_busy(app, staff):
    start = 1_800_000_000.0
    with kiosk_db.database.connection_context():
        account = KioskFacilitator.get(KioskFacilitator.name == "Samia")
        token = facilitators.start_session(account, 30, now=start)
        for minute in range(10, 8 * 60, 10):
            assert facilitators.session_account(token, 30, now=start + minute * MINUTE) is not None
        assert facilitators.session_account(token, 30, now=start + 8 * 3600 + 1) is None


@pytest.mark.parametrize("name, password", HOSTILE, ids=range(len(HOSTILE)))
def test_a_nul_or_control_character_in_the_kiosk_sign_in_form_is_a_form_error(client, staff, name, password):
    client.set_cookie("lang", "en")
    answer = kiosk_sign_in(staff, name, password)
    assert answer.status_code == 400
    assert "holds a character that is not allowed, or is too long" in answer.get_data(as_text=True)
    with kiosk_db.database.connection_context():
        assert KioskFacilitator.get(KioskFacilitator.name == "Samia").failed_logins == 0    # not a try


def test_a_nul_in_the_first_run_setup_form_is_a_form_error_and_makes_no_account(app, client):
    helper = Learners(client)
    client.set_cookie("lang", "en")
    for field, form in (("name", {"name": "Sa\x00mia", "password": PASSWORD, "password_confirm": PASSWORD}),
                        ("password", {"name": "Samia", "password": PASSWORD + "\x00",
                                      "password_confirm": PASSWORD + "\x00"}),
                        ("name", {"name": "S" * 201, "password": PASSWORD, "password_confirm": PASSWORD})):
        answer = helper.post("/facilitator/setup", form, token_from="/facilitator/setup")
        assert answer.status_code == 400, field
        assert 'id="%s-error"' % field in answer.get_data(as_text=True)
        assert "control characters" in answer.get_data(as_text=True)
    with kiosk_db.database.connection_context():
        assert not facilitators.exists()


def test_a_setup_code_with_odd_characters_is_refused_not_a_500(app, client):
    remote = {"REMOTE_ADDR": "192.168.4.20"}
    for code in ("é", "\x00", "x" * 5000):
        assert client.get("/facilitator/setup", query_string={"code": code}, environ_base=remote).status_code == 403


def test_sign_in_sends_back_only_to_a_page_of_this_site():
    assert next_page.local_path("/facilitator/learners?x=1", "/home") == "/facilitator/learners?x=1"
    for target in ("//evil.example", "/\\evil.example", "https://evil.example", "/a\x00b", "/a\r\nSet-Cookie: x",
                   "", None, "facilitator"):
        assert next_page.local_path(target, "/home") == "/home", target


def test_the_kiosk_stores_only_the_hash_of_the_token(app, staff):
    samia = kiosk_browser(app)
    with kiosk_db.database.connection_context():
        row = KioskSession.get()
    with samia.client.session_transaction() as cookie:
        token = cookie["facilitator_token"]
    assert row.token_hash == facilitator_sessions.token_hash(token) != token


# --- the hub (SQLite and PostgreSQL) ---------------------------------------------------------------

def hub_browser(hub, name: str = "Nadia", password: str = PASSWORD) -> requests.Session:  # noqa: F811
    browser = requests.Session()
    token = CSRF.search(browser.get(hub.url + "/login", timeout=10).text).group(1)
    answer = browser.post(hub.url + "/login", data={"name": name, "password": password, "csrf_token": token},
                          timeout=10, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    return browser


def copy_of(browser: requests.Session) -> requests.Session:
    copy = requests.Session()
    for cookie in browser.cookies:          # as it was stored: the hub's later cookies then replace it
        copy.cookies.set_cookie(cookie)
    return copy


def hub_opens(browser: requests.Session, hub) -> dict:  # noqa: F811
    """What each protected place answers this browser: 200 when it is let in."""
    return {path: browser.get(hub.url + path, timeout=10, allow_redirects=False, headers=XAPI_VERSION).status_code
            for path in ("/", "/learners", "/learners.csv", "/xapi/statements")}


XAPI_VERSION = {"X-Experience-API-Version": "1.0.3"}        # the xAPI routes refuse a request without it
LET_IN = {"/": 200, "/learners": 200, "/learners.csv": 200, "/xapi/statements": 200}
SHUT = {"/": 302, "/learners": 302, "/learners.csv": 302, "/xapi/statements": 401}


@pytest.fixture
def hub_staff(hub):  # noqa: F811
    hub.query(lambda: (auth.create_facilitator("Nadia", PASSWORD), auth.create_facilitator("Omar", PASSWORD)))
    return hub


def hub_sessions(hub) -> list[str]:  # noqa: F811
    return hub.query(lambda: [row.facilitator.name for row in HubSession.select().order_by(HubSession.created_at)])


def database_of(hub) -> list[str]:  # noqa: F811
    """The command-line options that reach this hub's database."""
    url = hub.app.config.get("DATABASE_URL")
    return ["--database-url", url] if url else ["--data", hub.app.config["HUB_DATA_DIR"]]


def sign_out(browser: requests.Session, hub) -> None:  # noqa: F811
    token = CSRF.search(browser.get(hub.url + "/", timeout=10).text).group(1)
    answer = browser.post(hub.url + "/logout", data={"csrf_token": token}, timeout=10, allow_redirects=False)
    assert answer.status_code == 302


def test_a_hub_cookie_copied_before_sign_out_no_longer_downloads_learners_after_it(hub_staff):
    nadia = hub_browser(hub_staff)
    copy = copy_of(nadia)
    assert hub_opens(copy, hub_staff) == LET_IN
    sign_out(nadia, hub_staff)
    assert hub_sessions(hub_staff) == []
    assert hub_opens(copy, hub_staff) == SHUT
    assert hub_opens(nadia, hub_staff) == SHUT


def test_sign_out_on_the_hub_needs_its_csrf_token(hub_staff):
    nadia = hub_browser(hub_staff)
    refused = nadia.post(hub_staff.url + "/logout", timeout=10, allow_redirects=False)
    assert refused.status_code == 400
    assert hub_opens(nadia, hub_staff) == LET_IN


def test_a_new_hub_password_ends_every_copy_of_every_session_of_that_account(hub_staff):
    laptop, office, omar = hub_browser(hub_staff), hub_browser(hub_staff), hub_browser(hub_staff, "Omar")
    copies = [copy_of(laptop), copy_of(office)]
    assert hub_sessions(hub_staff) == ["Nadia", "Nadia", "Omar"]
    where = database_of(hub_staff)

    changed = subprocess.run([sys.executable, "run.py", "hub", "set-password", "Nadia", *where],  # another process
                             cwd=ROOT, input=NEW_PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert changed.returncode == 0, changed.stderr
    assert "New password for hub facilitator 'Nadia'; 2 open session(s) ended." in changed.stdout
    for browser in [laptop, office] + copies:
        assert hub_opens(browser, hub_staff) == SHUT
    assert hub_opens(omar, hub_staff) == LET_IN
    assert hub_staff.query(lambda: auth.check_login("Nadia", PASSWORD)) is None
    hub_browser(hub_staff, password=NEW_PASSWORD)


def test_relais_hub_set_password_refuses_an_unknown_name_and_a_nul(hub_staff):
    where = database_of(hub_staff)
    refused = CliRunner().invoke(cli, ["hub", "set-password", "Nobody", *where], input=NEW_PASSWORD + "\n")
    assert refused.exit_code == 1 and "no facilitator is called 'Nobody'." in refused.output
    nul = CliRunner().invoke(cli, ["hub", "set-password", "Nadia", *where], input="new pass\x00word here\n")
    assert nul.exit_code == 1 and "control characters" in nul.output


def test_an_idle_hub_session_is_refused_and_deleted_after_facilitator_idle_minutes(hub_staff):
    idle = hub_staff.app.config["FACILITATOR_IDLE_MINUTES"]
    assert idle == 30
    start = 1_800_000_000.0

    def story():
        account = HubFacilitator.get(HubFacilitator.name == "Nadia")
        token = auth.start_session(account, idle, now=start)
        assert auth.session_account(token, idle, now=start + 20).name == "Nadia"
        assert HubSession.get().last_seen == start                    # not written within the minute
        assert auth.session_account(token, idle, now=start + (idle - 1) * MINUTE).name == "Nadia"
        assert HubSession.get().last_seen == start + (idle - 1) * MINUTE
        assert auth.session_account(token, idle, now=start + (2 * idle) * MINUTE + 1) is None
        assert HubSession.select().count() == 0
    hub_staff.query(story)


def test_an_idle_hub_session_is_refused_through_the_pages_too(hub_staff):
    nadia = hub_browser(hub_staff)
    hub_staff.query(lambda: HubSession.update(last_seen=time.time() - 31 * MINUTE).execute())
    assert hub_opens(nadia, hub_staff) == SHUT
    assert hub_sessions(hub_staff) == []


def test_a_signed_cookie_of_the_old_kind_opens_nothing(hub_staff):
    """The hub once kept the account's id and a piece of its password hash in the signed cookie itself,
    so a copy worked until the password changed; such a cookie, rightly signed, is now ignored."""
    account = hub_staff.query(lambda: HubFacilitator.get(HubFacilitator.name == "Nadia"))
    old_kind = signer(hub_staff).dumps({"hub_facilitator": account.id, "hub_key": account.password_hash[-16:]})
    forged = requests.Session()
    forged.cookies.set("relais_hub", old_kind, domain="127.0.0.1")
    assert hub_opens(forged, hub_staff) == SHUT


def signer(hub):  # noqa: F811
    """What signs the hub's session cookie (to read one, or to make one of the old kind)."""
    return hub.app.session_interface.get_signing_serializer(hub.app)


@pytest.mark.parametrize("name, password", HOSTILE, ids=range(len(HOSTILE)))
def test_a_nul_or_control_character_in_the_hub_sign_in_form_is_a_400_not_a_500(hub_staff, name, password):
    browser = requests.Session()
    token = CSRF.search(browser.get(hub_staff.url + "/login", timeout=10).text).group(1)
    answer = browser.post(hub_staff.url + "/login", data={"name": name, "password": password, "csrf_token": token},
                          timeout=10, allow_redirects=False)
    assert answer.status_code == 400
    assert "holds a character that is not allowed, or is too long" in answer.text
    assert hub_staff.query(lambda: HubFacilitator.get(HubFacilitator.name == "Nadia").failed_logins) == 0


def basic(raw: bytes) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode(), **XAPI_VERSION}


def test_a_nul_or_odd_bytes_in_basic_auth_is_a_401_not_a_500(hub_staff):
    url = hub_staff.url + "/xapi/statements"
    assert requests.get(url, headers=basic(b"Nadia:" + PASSWORD.encode()), timeout=10).status_code == 200
    for raw in (b"Nadia\x00:" + PASSWORD.encode(), b"Nadia:" + PASSWORD.encode() + b"\x00", b"\x00:\x00",
                b"Na\x1bdia:" + PASSWORD.encode(), b"N" * 5000 + b":" + PASSWORD.encode(),
                b"Nadia:" + b"p" * 5000, b"\xff\xfe:\xff", b"no colon at all"):
        answer = requests.get(url, headers=basic(raw), timeout=10)
        assert answer.status_code == 401 and answer.text.startswith("Sign in"), raw[:20]
    for header in ("Basic !!!not base64", "Basic " + "A" * 7, "Basic \x00", "Basic \xe9\xe9", "Bearer x"):
        answer = requests.get(url, headers={"Authorization": header.encode("latin-1")}, timeout=10)
        assert answer.status_code in (400, 401), header
    assert hub_staff.query(lambda: HubFacilitator.get(HubFacilitator.name == "Nadia").failed_logins) == 0


def test_the_hub_keeps_only_the_hash_of_the_token(hub_staff):
    nadia = hub_browser(hub_staff)
    token = signer(hub_staff).loads(nadia.cookies["relais_hub"])["hub_token"]
    stored = hub_staff.query(lambda: [row.token_hash for row in HubSession.select()])
    assert stored == [facilitator_sessions.token_hash(token)] and token not in stored


def start_hub(port: int, where: list[str]) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "run.py", "hub", "--host", "127.0.0.1", "--port", str(port), *where],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_for(lambda: process.poll() is not None or answers(f"http://127.0.0.1:{port}/login"), timeout=60)
    assert process.poll() is None, "the hub stopped at start-up"
    return process


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


@pytest.mark.parametrize("backend", BACKENDS)
def test_signing_out_on_one_hub_process_ends_the_session_on_the_other(tmp_path, backend):
    where = ["--data", str(tmp_path / "hub")]
    if backend == "postgresql":
        reset_postgres(POSTGRES_URL)
        where = ["--database-url", POSTGRES_URL]
    made = subprocess.run([sys.executable, "run.py", "hub", "create-facilitator", "Nadia", *where], cwd=ROOT,
                          input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    first, second = (SimpleNamespace(url=f"http://127.0.0.1:{free_port()}") for _ in range(2))
    processes = [start_hub(int(server.url.rpartition(":")[2]), where) for server in (first, second)]
    try:
        nadia = hub_browser(first)
        copy = copy_of(nadia)
        assert hub_opens(copy, second) == LET_IN            # the other process knows the session
        sign_out(copy, second)
        assert hub_opens(nadia, first) == SHUT              # and this one knows it ended
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            process.wait(10)
