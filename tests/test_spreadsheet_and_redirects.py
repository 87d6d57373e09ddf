"""Two rules for both applications: a CSV opens in a spreadsheet without running any cell as a formula
(names and course titles like "=HYPERLINK(…)"), and a form sends the person on only to a path of the same
site (never to "//evil.example" or "javascript:"). Checked through the kiosk's and the hub's real routes."""
from __future__ import annotations

import csv
import io
import re

import pytest
import requests

from kiosk import facilitators, progress
from kiosk.db import database
from kiosk.learners import create_learner
from kiosk.models import Learner
from sync.base.next_page import local_path
from sync.base.spreadsheet import FORMULA_START, csv_safe
from sync.client.uploader import Uploader
from sync.hub.auth import create_facilitator as create_hub_facilitator
from tests.conftest import SMALL_COURSE, Learners, write_tree
from tests.sync_tests.conftest import enroll_kiosk, hub  # noqa: F401  (the hub on SQLite and on PostgreSQL)

PASSWORD = "correct horse battery"
FORMULAS = ['=HYPERLINK("http://evil.example","Open")', "+1", "-2+3", "@SUM(1)", "\t=1", "\r=1"]
ELSEWHERE = ["//evil.example", "https://evil.example", "/\\evil", "\\\\evil", "\t//x", "/\t/evil.example",
             " //evil.example", "javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>1</script>",
             "/\x00/evil", "http:/evil.example"]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def no_formula_in(rows: list[list[str]]) -> list[str]:
    """The cells a spreadsheet would run."""
    return [cell for row in rows for cell in row if cell.startswith(FORMULA_START)]


# --- one rule for a cell -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", FORMULAS)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert csv_safe(text) == "'" + text


def test_plain_text_and_numbers_stay_as_they_are():
    assert [csv_safe(v) for v in ("Awa", "Le 2-3 mai", "", None, 0, 42, -2, 1.5)] == \
           ["Awa", "Le 2-3 mai", "", "", "0", "42", "-2", "1.5"]      # a number is never a formula


# --- the kiosk's export ----------------------------------------------------------------------------------------

@pytest.fixture
def formula_course(tmp_path):
    """A course whose own title and lesson title are formulas: content is untrusted too."""
    course = dict(SMALL_COURSE)
    course["01-basics/course.fr.yml"] = "title: '=HYPERLINK(\"http://evil.example\",\"Cours\")'\n"
    course["01-basics/01-the-mouse.fr.md"] = SMALL_COURSE["01-basics/01-the-mouse.fr.md"].replace(
        "# La souris", "# @SUM(1)")
    return write_tree(tmp_path / "content", course)


def kiosk_learners(names: list[str], as_given: bool = True) -> list[Learner]:
    """Cards with these names, each with progress. As given: a name the kiosk would tidy is kept as it is,
    as an older kiosk may hold it; otherwise each goes through the kiosk's rules (and its outbox)."""
    made = []
    with database.connection_context():
        for index, name in enumerate(names):
            learner = create_learner(f"Card {index}" if as_given else name, "sun", None, None)
            if as_given:
                Learner.update(name=name).where(Learner.id == learner.id).execute()
                learner.name = name
            progress.record_step(learner, "basics-mouse", "basics", 1, 2)
            made.append(learner)
    return made


def test_the_kiosks_progress_export_runs_no_formula_with_either_separator(make_app, formula_course):
    app = make_app(formula_course)
    kiosk_learners(FORMULAS + ["Awa"])
    with database.connection_context():
        facilitators.create("Samia", PASSWORD)
    staff = Learners(app.test_client())
    assert staff.post("/facilitator/login", {"name": "Samia", "password": PASSWORD},
                      token_from="/facilitator/login").status_code == 302
    for separator, delimiter in (("semicolon", ";"), ("comma", ",")):
        answer = staff.client.get(f"/facilitator/export/progress.csv?separator={separator}")
        assert answer.status_code == 200 and answer.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig")), delimiter=delimiter))
        assert no_formula_in(rows) == []
        names = {row[0] for row in rows[1:]}
        assert names == {"'" + name for name in FORMULAS} | {"Awa"}
        assert {row[2] for row in rows[1:]} == {"'=HYPERLINK(\"http://evil.example\",\"Cours\")"}
        assert {row[3] for row in rows[1:]} == {"'@SUM(1)"}
        assert {row[6] for row in rows[1:]} == {"0"}                     # minutes: numbers stay numbers


# --- the hub's export ------------------------------------------------------------------------------------------

def hub_browser(hub_server, path: str = "/login", next_page: str | None = None) -> tuple[requests.Session, object]:
    """A facilitator's browser signing in to the hub (from `path`, with `next`); the sign-in's answer."""
    browser = requests.Session()
    token = CSRF.search(browser.get(hub_server.url + "/login", timeout=10).text).group(1)
    answer = browser.post(hub_server.url + path, params={"next": next_page} if next_page is not None else None,
                          data={"name": "Nadia", "password": PASSWORD, "csrf_token": token},
                          timeout=10, allow_redirects=False)
    return browser, answer


def test_the_hubs_learner_export_runs_no_formula(make_app, content_dir, hub):  # noqa: F811
    kiosk = make_app(content_dir, SYNC_BACKGROUND="no")
    sent = kiosk_learners(FORMULAS + ["Awa"], as_given=False)
    uploader = Uploader(enroll_kiosk(kiosk, hub.url, hub.code()))
    with database.connection_context():
        assert uploader.push().ok
    hub.query(lambda: create_hub_facilitator("Nadia", PASSWORD))
    browser, signed_in = hub_browser(hub)
    assert signed_in.status_code == 302
    answer = browser.get(hub.url + "/learners.csv", timeout=10)
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert no_formula_in(rows) == []
    name = rows[0].index("name")
    assert sorted(row[name] for row in rows[1:]) == sorted(csv_safe(learner.name) for learner in sent)
    assert sum(row[name].startswith("'") for row in rows[1:]) == len(FORMULAS)


# --- where a form sends the person next -----------------------------------------------------------------------

@pytest.mark.parametrize("target", ELSEWHERE)
def test_a_next_page_on_another_site_gives_the_default(target):
    assert local_path(target, "/home") == "/home"


def test_a_next_page_on_this_site_is_kept():
    for target in ("/", "/courses/basics?step=1", "/facilitator/dashboard", "/home?resume=1#top"):
        assert local_path(target, "/home") == target
    assert local_path(None, "/home") == local_path("", "/home") == "/home"


def test_the_kiosks_language_and_still_here_forms_stay_on_the_kiosk(client, learners):
    learners.create("Awa")
    for target in ELSEWHERE:
        language = learners.post("/language", {"language": "en", "next": target}, token_from="/home")
        assert language.status_code == 302 and language.headers["Location"] == "/", target
        here = learners.post("/still-here", {"next": target}, token_from="/home")
        assert here.status_code == 302 and here.headers["Location"] == "/home", target
    kept = learners.post("/language", {"language": "fr", "next": "/courses/basics"}, token_from="/home")
    assert kept.headers["Location"] == "/courses/basics"


def test_the_kiosks_facilitator_sign_in_stays_on_the_kiosk(app, client):
    with database.connection_context():
        facilitators.create("Samia", PASSWORD)
    staff = Learners(client)
    for target in ELSEWHERE + ["/facilitator/dashboard"]:
        staff.post("/facilitator/logout", token_from="/facilitator/login")
        staff_token = staff.token("/facilitator/login")
        answer = client.post("/facilitator/login", query_string={"next": target},
                             data={"name": "Samia", "password": PASSWORD, "csrf_token": staff_token})
        expected = target if target == "/facilitator/dashboard" else "/facilitator/"
        assert answer.status_code == 302 and answer.headers["Location"] == expected, target


def test_the_hubs_sign_in_stays_on_the_hub(hub):  # noqa: F811
    hub.query(lambda: create_hub_facilitator("Nadia", PASSWORD))
    for target in ELSEWHERE + ["/learners"]:
        _, answer = hub_browser(hub, next_page=target)
        expected = target if target == "/learners" else "/"
        assert answer.status_code == 302 and answer.headers["Location"] == expected, target
