"""The hub as an xAPI Learning Record Store (GET /xapi/statements, /xapi/about) and its forwarder to the
funder's LRS, tried with the tools a funder would use: Learning Locker's LRS and validator, and @xapi/xapi."""

import json
import os
import subprocess
import sys
import uuid

import pytest
import requests
from click.testing import CliRunner
from markupsafe import escape

from sync.hub import lrs_forwarder, scopes, xapi
from sync.hub.auth import create_facilitator
from sync.hub.cli import hub as hub_command
from tests.conftest import ROOT
from tests.sync_tests.conftest import get
from tests.sync_tests.xapi_tools import LearningLocker, free_port, node

PASSWORD = "correct horse battery"
SECRET = "lrs-secret-never-shown"
XAPI = {"X-Experience-API-Version": "1.0.3"}
HOME = "https://hub.example.org"


@pytest.fixture(scope="module")
def lrs():
    server = LearningLocker()
    yield server
    server.stop()


@pytest.fixture
def synced(classroom, enrolled, hub):
    """Two learners' progress on the hub, a national administrator (Nadia) and a facilitator of another centre."""
    _, uploader = enrolled
    for name in ("Awa", "Binta"):
        classroom.study(classroom.join(name), 10)
    assert uploader.push().ok
    hub.query(lambda: (create_facilitator("Nadia", PASSWORD),
                       create_facilitator("Karim", PASSWORD, scopes.Scope(centres=frozenset({"Another centre"})))))
    return hub


def read(hub, query: str = "", headers=XAPI, who=("Nadia", PASSWORD)) -> requests.Response:
    return get(hub.url + "/xapi/statements" + query, auth=who, headers=headers)


def test_the_statements_endpoint_keeps_the_lrs_read_contract(synced):
    hub = synced
    for headers, status in (({}, 400), ({"X-Experience-API-Version": "2.0.0"}, 400), (XAPI, 200)):
        answer = read(hub, headers=headers)
        assert answer.status_code == status and answer.headers["X-Experience-API-Version"] == "1.0.3"
    assert read(hub, who=None).status_code == 401 and read(hub, who=None).headers["X-Experience-API-Version"]
    about = get(hub.url + "/xapi/about")
    assert about.json()["version"] == ["1.0.3"] and about.headers["X-Experience-API-Version"] == "1.0.3"

    answer = read(hub)
    every = answer.json()["statements"]
    assert answer.json()["more"] == "" and len(every) > 5 and answer.headers["X-Experience-API-Consistent-Through"]
    assert [s["stored"] for s in every] == sorted((s["stored"] for s in every), reverse=True)     # newest first
    assert all(s["authority"] == xapi.authority(xapi.FALLBACK_URL) for s in every)
    ascending = read(hub, "?ascending=true").json()["statements"]
    assert [s["stored"] for s in ascending] == sorted(s["stored"] for s in every) and len(ascending) == len(every)

    first = read(hub, "?limit=3").json()
    assert len(first["statements"]) == 3 and first["statements"] == every[:3] and "after=" in first["more"]
    assert get(hub.url + first["more"], auth=("Nadia", PASSWORD), headers=XAPI).json()["statements"][0] == every[3]

    answered = read(hub, "?verb=" + xapi.ADL + "answered").json()["statements"]
    assert answered and answered == [s for s in every if s["verb"]["id"].endswith("/answered")]
    awa = every[-1]["actor"]
    mine = read(hub, "?agent=" + json.dumps(awa)).json()["statements"]
    assert mine == [s for s in every if s["actor"] == awa]
    stranger = dict(awa, account={"homePage": "https://elsewhere.example", "name": awa["account"]["name"]})
    assert read(hub, "?agent=" + json.dumps(stranger)).json()["statements"] == []
    middle = every[len(every) // 2]["stored"]
    assert read(hub, "?since=" + middle).json()["statements"] == [s for s in every if s["stored"] > middle]
    assert read(hub, "?until=" + middle).json()["statements"] == [s for s in every if s["stored"] <= middle]

    assert read(hub, "?statementId=" + every[4]["id"]).json() == every[4]
    assert read(hub, "?statementId=" + str(uuid.uuid4())).status_code == 404
    for refused in ("?statementId=" + every[4]["id"] + "&limit=2", "?activity=x", "?since=yesterday",
                    "?agent={}", "?ascending=yes", "?format=ids", "?colour=red"):
        answer = read(hub, refused)
        assert answer.status_code == 400 and answer.text and answer.headers["X-Experience-API-Version"], refused
    assert read(hub, who=("Karim", PASSWORD)).json()["statements"] == []                   # scoped as every page

    checked = node({"validate": every, "endpoint": hub.url + "/xapi/", "username": "Nadia", "password": PASSWORD,
                    "reads": [{"params": {"limit": 4}}, {"params": {"verb": xapi.ADL + "answered", "limit": 2}},
                              {"statementId": every[4]["id"]}, {"about": True}]})
    assert checked["problems"] == [[] for _ in every]                       # Learning Locker's validator: none
    paged, verb, one, about = checked["reads"]
    assert paged["statements"] == every and paged["pages"] == -(-len(every) // 4) + (len(every) % 4 == 0)
    assert paged["headers"]["version"] == "1.0.3" and paged["headers"]["consistent"]
    assert verb["statements"] == answered and one["statement"] == every[4] and about["about"]["version"] == ["1.0.3"]


def hub_where(hub) -> list[str]:
    return (["--database-url", hub.app.config["DATABASE_URL"]] if hub.app.config["DATABASE_URL"]
            else ["--data", hub.app.config["HUB_DATA_DIR"]])


def test_the_forwarder_sends_every_statement_once_to_learning_lockers_lrs(synced, lrs, tmp_path):
    hub = synced
    ours = hub.query(lambda: [lrs_forwarder.for_the_lrs(s) for e in xapi.mapped_events(scopes.NATIONAL)
                              for s in xapi.statements_for(e, HOME)])
    clash = dict(ours[0], verb=xapi.VERBS["failed"] if ours[0]["verb"] != xapi.VERBS["failed"] else xapi.VERBS["passed"])
    assert requests.post(lrs.url + "/statements", json=[clash], headers=XAPI, auth=("key", "x"), timeout=10).ok
    (tmp_path / "secret").write_text(SECRET + "\n")
    sent = subprocess.run([sys.executable, "run.py", "hub", "forward-xapi", "--public-url", HOME, "--lrs-url", lrs.url,
                           "--lrs-username", "key", "--lrs-password-file", str(tmp_path / "secret"), *hub_where(hub)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
                          env=dict(os.environ, RELAIS_LRS_BATCH="7"))
    assert sent.returncode == 0, sent.stderr
    assert f"{len(ours)} statements sent" in sent.stdout and SECRET not in sent.stdout + sent.stderr
    progress = hub.query(lrs_forwarder.peek)
    assert progress.sent == len(ours) and progress.last_error == "" and hub.query(lambda: lrs_forwarder.waiting(progress)) == 0

    # Everything sent again (a lost answer, a second hub process) is stored once: the LRS holds each id already.
    hub.query(lambda: lrs_forwarder._save(lrs_forwarder.Progress(), lrs_forwarder.load()[1]))
    target = lrs_forwarder.Target(lrs.url, "key", SECRET, batch=50)
    assert hub.query(lambda: lrs_forwarder.step(target, HOME)) == "sent"
    held = node({"endpoint": lrs.url + "/", "username": "key", "password": "x", "validate": ours,
                 "reads": [{"params": {"agent": o["actor"]}} for o in {json.dumps(s["actor"]): s for s in ours}.values()]})
    assert held["problems"] == [[] for _ in ours]
    stored = {s["id"]: s for answer in held["reads"] for s in answer["statements"]}
    assert set(stored) == {s["id"] for s in ours}                           # each once, none missing
    assert stored[ours[0]["id"]]["verb"] == clash["verb"]                   # a 409: the LRS keeps what it had
    for statement in ours[1:]:
        assert {k: v for k, v in stored[statement["id"]].items() if k not in ("stored", "authority")} == statement


def test_a_failing_lrs_is_retried_later_and_shown_without_its_password(synced):
    hub = synced
    target = lrs_forwarder.Target(f"http://127.0.0.1:{free_port()}/xapi", "key", SECRET)      # nobody listens
    assert hub.query(lambda: lrs_forwarder.step(target, HOME, now=1000.0)) == "failed"
    assert hub.query(lambda: lrs_forwarder.step(target, HOME, now=1001.0)) == "waiting"        # backing off
    progress = hub.query(lrs_forwarder.peek)
    assert progress.failures == 1 and progress.sent == 0 and 1002.5 <= progress.next_try <= 1005
    assert progress.last_error == "unreachable" and SECRET not in progress.last_detail
    assert hub.query(lambda: lrs_forwarder.step(target, HOME, now=1006.0)) == "failed"
    assert hub.query(lrs_forwarder.peek).next_try >= 1006 + 5                                  # twice as long
    hub.app.config.update(LRS_URL=target.url, LRS_USERNAME="key", LRS_PASSWORD=SECRET)

    from tests.sync_tests.test_hub_scopes import sign_in
    page = sign_in(hub, "Nadia").get(hub.url + "/lrs", timeout=10)
    assert page.status_code == 200 and target.url in page.text and "could not be reached" in page.text
    assert SECRET not in page.text and "failures in a row: 2" in page.text
    assert sign_in(hub, "Karim").get(hub.url + "/lrs", timeout=10).status_code == 403


def test_statements_cannot_reach_an_lrs_before_the_hub_has_its_public_address():
    refused = CliRunner().invoke(hub_command, ["forward-xapi", "--lrs-url", "https://lrs.example/xapi"], env={})
    assert refused.exit_code != 0 and "public address" in refused.output
    with_password = CliRunner().invoke(hub_command, ["forward-xapi", "--public-url", HOME,
                                                     "--lrs-url", "https://key:pw@lrs.example/xapi"])
    assert with_password.exit_code != 0 and "LRS_USERNAME" in with_password.output and "pw" not in with_password.output


def test_a_statement_the_lrs_refuses_for_good_is_set_aside_shown_and_retried_while_the_others_go_on(
        synced, lrs, monkeypatch):
    """Learning Locker takes every statement the hub makes, so one is broken on purpose on its way out (a verb
    id that is not an IRI): the real LRS answers 400 for the batch, then for that statement alone."""
    hub = synced
    hub.query(lambda: lrs_forwarder._save(lrs_forwarder.Progress(), lrs_forwarder.load()[1]))
    ours = hub.query(lambda: [s["id"] for e in xapi.mapped_events(scopes.NATIONAL) for s in xapi.statements_for(e, HOME)])
    broken, made = ours[1], lrs_forwarder.for_the_lrs
    monkeypatch.setattr(lrs_forwarder, "for_the_lrs", lambda s: dict(made(s), verb={"id": "not an iri"})
                        if s["id"] == broken else made(s))
    target = lrs_forwarder.Target(lrs.url, "key", SECRET, batch=len(ours))
    assert hub.query(lambda: lrs_forwarder.step(target, HOME)) == "sent"
    progress = hub.query(lrs_forwarder.peek)
    assert [a["id"] for a in progress.set_aside] == [broken] and progress.set_aside[0]["reason"] == "refused"
    assert progress.sent == len(ours) - 1 and progress.last_error == "" and hub.query(lambda: lrs_forwarder.waiting(progress)) == 0
    held = node({"endpoint": lrs.url + "/", "username": "key", "password": "x", "validate": [],
                 "reads": [{"statementId": i} for i in (ours[0], ours[-1])]})
    assert [r["statement"]["id"] for r in held["reads"]] == [ours[0], ours[-1]]       # those after it were sent

    from tests.sync_tests.test_hub_scopes import CSRF, sign_in
    hub.app.config.update(LRS_URL=target.url)
    nadia = sign_in(hub, "Nadia")
    page = nadia.get(hub.url + "/lrs", timeout=10).text
    assert broken in page and "The LRS refused this statement:" in page and str(escape(progress.set_aside[0]["detail"][:40])) in page
    french = nadia.get(hub.url + "/lrs", headers={"Accept-Language": "fr"}, timeout=10).text
    assert broken in french
    assert sign_in(hub, "Karim").post(hub.url + "/lrs/retry", data={"csrf_token": CSRF.search(page).group(1)},
                                      timeout=10).status_code in (400, 403)
    assert nadia.post(hub.url + "/lrs/retry", data={"csrf_token": CSRF.search(page).group(1)}, timeout=10).ok
    monkeypatch.setattr(lrs_forwarder, "for_the_lrs", made)               # mended: it goes through now
    assert hub.query(lambda: lrs_forwarder.step(target, HOME)) == "sent"
    progress = hub.query(lrs_forwarder.peek)
    assert progress.set_aside == [] and progress.sent == len(ours) and not progress.retry
