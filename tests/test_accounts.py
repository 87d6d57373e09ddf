"""Facilitator accounts, one rule on the kiosk and on the hub: lockout after 5 wrong passwords (also under
50 parallel tries, on SQLite and PostgreSQL), the same time for unknown names, and both command lines."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import peewee
import pytest
from click.testing import CliRunner

from kiosk import db as kiosk_db
from kiosk import facilitators
from kiosk.cli import cli
from kiosk.models import Facilitator as KioskFacilitator
from sync.base.accounts import LOCK_SECONDS, MAX_TRIES, LoginRefused
from sync.hub import auth
from sync.hub import db as hub_db
from sync.hub.models import Facilitator as HubFacilitator
from tests.conftest import ROOT
from tests.sync_tests.conftest import hub  # noqa: F401  (the hub on SQLite and on PostgreSQL)

PASSWORD = "correct horse battery"
WRONG = "wrong password!"


@dataclass
class Accounts:
    """One application's accounts, reached through its own functions and its own database."""

    where: str
    database: peewee.DatabaseProxy
    model: type
    create_account: object
    authenticate: object

    def run(self, fn):
        with self.database.connection_context():
            return fn()

    def create(self, name: str = "Samia", password: str = PASSWORD):
        return self.run(lambda: self.create_account(name, password))

    def login(self, password: str, name: str = "Samia", now: float | None = None):
        """The account, or the LoginRefused it was refused with."""
        try:
            return self.run(lambda: self.authenticate(name, password, now))
        except LoginRefused as refused:
            return refused

    def row(self, name: str = "Samia"):
        return self.run(lambda: self.model.get(self.model.name == name))

    def let_threads_wait_for_a_connection(self) -> None:
        """The pools refuse a 33rd connection at once; here a thread waits for one, as a request waits
        for a worker thread in the servers."""
        pool = self.database.obj
        pool.init(pool.database, timeout=30)


@pytest.fixture
def kiosk_accounts(tmp_path) -> Accounts:
    database = kiosk_db.open_database(tmp_path / "data" / "relais.sqlite3")
    return Accounts("kiosk", database, KioskFacilitator, facilitators.create, facilitators.authenticate)


@pytest.fixture
def hub_accounts(hub) -> Accounts:  # noqa: F811
    where = "hub on PostgreSQL" if hub.app.config.get("DATABASE_URL") else "hub on SQLite"
    return Accounts(where, hub_db.database, HubFacilitator, auth.create_facilitator, auth.login_facilitator)


def burst(place: Accounts, passwords: list[str]) -> list:
    """Send every password at the same moment, each from its own thread; the outcomes, in order."""
    place.let_threads_wait_for_a_connection()
    start = threading.Barrier(len(passwords))
    outcomes: list = [None] * len(passwords)

    def one(index: int, password: str) -> None:
        start.wait(timeout=30)
        try:
            outcomes[index] = place.login(password)
        except Exception as error:         # kept, so that the test shows it
            outcomes[index] = error

    threads = [threading.Thread(target=one, args=item) for item in enumerate(passwords)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    unexpected = [o for o in outcomes if not isinstance(o, (LoginRefused, place.model))]
    assert not unexpected, f"{place.where}: {unexpected[:3]}"
    return outcomes


def test_a_facilitator_is_locked_out_after_5_wrong_passwords_on_the_kiosk_and_on_the_hub(kiosk_accounts,
                                                                                         hub_accounts):
    for place in (kiosk_accounts, hub_accounts):
        place.create()
        for _ in range(MAX_TRIES - 1):
            refused = place.login(WRONG)
            assert refused.tried and refused.wait_seconds == 0, place.where
        fifth = place.login(WRONG)
        assert fifth.tried and fifth.wait_seconds == LOCK_SECONDS, place.where
        assert fifth.minutes == 15
        locked = place.login(PASSWORD)
        assert isinstance(locked, LoginRefused) and not locked.tried, place.where
        assert 0 < locked.wait_seconds <= LOCK_SECONDS, place.where
        later = place.login(PASSWORD, now=time.time() + LOCK_SECONDS + 1)
        assert isinstance(later, place.model), place.where
        row = place.row()
        assert (row.failed_logins, row.locked_until) == (0, 0), place.where


def test_a_right_password_does_not_count_against_its_account(kiosk_accounts, hub_accounts):
    for place in (kiosk_accounts, hub_accounts):
        place.create()
        for _ in range(MAX_TRIES - 1):
            place.login(WRONG)
        assert isinstance(place.login(PASSWORD), place.model), place.where    # the fifth try, and right
        for _ in range(MAX_TRIES - 1):
            assert place.login(WRONG).wait_seconds == 0, place.where          # counting starts again
        assert place.row().locked_until == 0, place.where


def test_an_unknown_name_is_refused_like_a_wrong_password_and_takes_as_long(kiosk_accounts, hub_accounts):
    for place in (kiosk_accounts, hub_accounts):
        place.create()
        place.login(WRONG, name="Nobody")                 # the comparison hash is made once, at first use
        unknown, wrong = [], []
        for _ in range(4):
            for name, times in (("Nobody", unknown), ("Samia", wrong)):
                started = time.perf_counter()
                refused = place.login(WRONG, name=name)
                times.append(time.perf_counter() - started)
                assert isinstance(refused, LoginRefused) and refused.wait_seconds == 0, place.where
            assert not place.login(WRONG, name="Nobody").tried
            place.login(PASSWORD)                         # clears the count before the lock
        # The fastest of each, as the least disturbed by other work; without the comparison an unknown
        # name is refused hundreds of times faster. A wrong password also writes its try (a commit).
        ratio = min(unknown) / min(wrong)
        assert 0.25 < ratio < 4, f"{place.where}: an unknown name took {ratio:.2f} times as long"


def test_50_wrong_passwords_at_once_get_exactly_5_tries_then_the_account_is_locked(kiosk_accounts,
                                                                                   hub_accounts):
    for place in (kiosk_accounts, hub_accounts):
        place.create()
        outcomes = burst(place, [WRONG] * 50)
        tried = sum(o.tried for o in outcomes)
        assert tried == MAX_TRIES, f"{place.where}: {tried} of 50 wrong passwords were compared"
        assert all(o.wait_seconds > 0 for o in outcomes if not o.tried), place.where
        assert place.row().locked_until > time.time() + LOCK_SECONDS - 60, place.where


def test_the_right_password_sent_inside_a_burst_after_the_lock_is_refused(kiosk_accounts, hub_accounts):
    for place in (kiosk_accounts, hub_accounts):
        place.create()
        for _ in range(MAX_TRIES):
            place.login(WRONG)
        locked_until = place.row().locked_until
        outcomes = burst(place, [WRONG] * 24 + [PASSWORD] + [WRONG] * 25)
        right = outcomes[24]
        assert isinstance(right, LoginRefused) and right.wait_seconds > 0, place.where
        assert not any(o.tried for o in outcomes), place.where
        assert place.row().locked_until == locked_until, place.where


def test_accounts_need_a_long_password_and_a_free_name_on_the_kiosk_and_on_the_hub(kiosk_accounts,
                                                                                   hub_accounts):
    for place in (kiosk_accounts, hub_accounts):
        with pytest.raises(ValueError, match="the password must have at least 10 characters."):
            place.create(password="short")
        place.create(name="  Samia ")
        with pytest.raises(ValueError, match="a facilitator called 'Samia' already exists."):
            place.create()
        assert place.row().name == "Samia" and place.row().password_hash != PASSWORD, place.where


def test_xapi_basic_auth_gets_none_for_a_refused_login(hub_accounts):
    hub_accounts.create()
    assert hub_accounts.run(lambda: auth.check_login("Samia", WRONG)) is None
    assert hub_accounts.run(lambda: auth.check_login("Samia", PASSWORD)).name == "Samia"


def test_relais_create_facilitator_reads_a_piped_password_and_refuses_a_short_one(tmp_path):
    data = str(tmp_path / "data")
    made = CliRunner().invoke(cli, ["create-facilitator", "Samia", "--data", data], input=PASSWORD + "\n")
    assert made.exit_code == 0 and "Facilitator 'Samia' created." in made.output, made.output
    short = CliRunner().invoke(cli, ["create-facilitator", "Other", "--data", data], input="short\n")
    assert short.exit_code == 1 and "the password must have at least 10 characters." in short.output
    again = CliRunner().invoke(cli, ["create-facilitator", "Samia", "--data", data], input=PASSWORD + "\n")
    assert again.exit_code == 1 and "a facilitator called 'Samia' already exists." in again.output
    with kiosk_db.database.connection_context():
        assert [f.name for f in KioskFacilitator.select()] == ["Samia"]
        assert facilitators.authenticate("Samia", PASSWORD).name == "Samia"


def test_relais_hub_create_facilitator_reads_a_piped_password_and_refuses_a_short_one(hub):  # noqa: F811
    where = (["--database-url", hub.app.config["DATABASE_URL"]] if hub.app.config.get("DATABASE_URL")
             else ["--data", hub.app.config["HUB_DATA_DIR"]])
    made = CliRunner().invoke(cli, ["hub", "create-facilitator", "Nadia", *where], input=PASSWORD + "\n")
    assert made.exit_code == 0 and "Hub facilitator 'Nadia' created." in made.output, made.output
    short = CliRunner().invoke(cli, ["hub", "create-facilitator", "Other", *where], input="short\n")
    assert short.exit_code == 1 and "the password must have at least 10 characters." in short.output
    with hub_db.database.connection_context():
        assert [f.name for f in HubFacilitator.select()] == ["Nadia"]
        assert auth.check_login("Nadia", PASSWORD).name == "Nadia"


def on_a_terminal(args: list[str], answers: list[str]) -> tuple[int, str]:
    """Run `python run.py ARGS` with a terminal for its input and output, typing each answer after a prompt."""
    leader, follower = os.openpty()
    process = subprocess.Popen([sys.executable, "run.py", *args], cwd=ROOT, stdin=follower, stdout=follower,
                               stderr=follower, start_new_session=True)
    os.close(follower)
    seen, typed = b"", 0
    while True:
        try:
            chunk = os.read(leader, 1024)
        except OSError:                 # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
        if typed < len(answers) and seen.count(b": ") > typed:
            os.write(leader, answers[typed].encode() + b"\n")
            typed += 1
    os.close(leader)
    return process.wait(timeout=60), seen.decode(errors="replace")


def test_on_a_terminal_the_password_is_asked_twice_and_must_match(tmp_path):
    data = str(tmp_path / "data")
    code, shown = on_a_terminal(["create-facilitator", "Samia", "--data", data], [PASSWORD, PASSWORD + "x"])
    assert code == 1 and "The same password again" in shown and "the two passwords are not the same." in shown
    code, shown = on_a_terminal(["hub", "create-facilitator", "Nadia", "--data", str(tmp_path / "hub")],
                                [PASSWORD, PASSWORD])
    assert code == 0 and "Hub facilitator 'Nadia' created." in shown, shown
    assert PASSWORD not in shown                          # nothing typed is echoed
