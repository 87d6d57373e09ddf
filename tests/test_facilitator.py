"""Facilitators: sign-in, reports against a known fixture, CSV, learner management, groups, certificates."""
import csv
import io
import json
import time

import pytest

from kiosk import certificates, learner_admin, progress, reports
from kiosk.catalog import course as course_view
from kiosk.catalog import lesson_by_key
from kiosk.db import database
from kiosk.facilitators import create as create_facilitator
from kiosk.learners import create_learner
from kiosk.models import Certificate, Facilitator, Learner, Progress, QuizAttempt
from sync.client.outbox import OutboxEvent
from tests.conftest import Learners

DAY = 86400
NOW = float(int(time.time()))        # reports compare with the real clock too


@pytest.fixture
def staff(app, client):
    with database.connection_context():
        create_facilitator("Samia", "correct horse battery")
    return Learners(client)


def sign_in(staff, password="correct horse battery"):
    return staff.post("/facilitator/login", {"name": "Samia", "password": password},
                      token_from="/facilitator/login")


def test_first_run_setup_only_from_the_kiosk_itself_or_with_the_code(app, client):
    remote = {"REMOTE_ADDR": "192.168.4.20"}
    assert client.get("/facilitator/setup", environ_base=remote).status_code == 403
    code = app.config["SETUP_CODE"]
    assert client.get(f"/facilitator/setup?code={code}", environ_base=remote).status_code == 200
    helper = Learners(client)
    made = helper.post("/facilitator/setup", {"name": "Samia", "password": "long enough pw",
                                              "password_confirm": "long enough pw"},
                       token_from="/facilitator/setup")
    assert made.status_code == 302
    assert client.get("/facilitator/setup").status_code == 404      # gone once an account exists


def test_sign_in_renews_the_session_and_sign_out_ends_it(app, client, staff):
    client.get("/facilitator/login")
    before = client.get_cookie("relais").value
    assert sign_in(staff).status_code == 302
    assert client.get_cookie("relais").value != before
    assert client.get("/facilitator/dashboard").status_code == 200
    cookie = client.get_cookie("relais").value
    staff.post("/facilitator/logout", token_from="/facilitator/")
    other = app.test_client()
    other.set_cookie("relais", cookie)
    assert other.get("/facilitator/dashboard").status_code == 302


def test_five_wrong_passwords_lock_the_account(client, staff):
    for _ in range(5):
        assert sign_in(staff, "wrong").status_code == 400
    locked = sign_in(staff)
    assert locked.status_code == 400 and "15" in locked.get_data(as_text=True)
    with database.connection_context():
        Facilitator.update(locked_until=0).execute()
    assert sign_in(staff).status_code == 302


def test_learner_pages_need_a_facilitator(client):
    for url in ("/facilitator/", "/facilitator/dashboard", "/facilitator/learners", "/facilitator/groups",
                "/facilitator/settings", "/facilitator/export/progress.csv"):
        assert client.get(url).status_code == 302


@pytest.fixture
def fixture_data(app):
    """Three learners with a known history, a week before NOW."""
    with database.connection_context():
        quiz = lesson_by_key("basics-mouse", "en").quiz
        ana = create_learner("Ana", "sun", None, None, now=lambda: NOW - 3 * DAY)
        ben = create_learner("Ben", "cat", None, None, now=lambda: NOW - 30 * DAY)
        cleo = create_learner("Cléo", "tree", None, None, now=lambda: NOW - 2 * DAY)
        progress.record_quiz_attempt(ana, "basics-mouse", "basics", quiz, {0: ["0"], 1: ["false"], 2: ["x"]}, 2,
                                     now=NOW - 3 * DAY)
        progress.record_quiz_attempt(ana, "basics-mouse", "basics", quiz, {0: ["1"], 1: ["false"], 2: ["Maj"]}, 2,
                                     now=NOW - 3 * DAY + 60)
        progress.complete_lesson(ana, "basics/reading", "basics", 2, now=NOW - 3 * DAY + 120)
        progress.record_step(ben, "basics/reading", "basics", 1, 2, now=NOW - 20 * DAY)
        progress.record_quiz_attempt(cleo, "basics-mouse", "basics", quiz, {0: ["0"], 1: ["true"], 2: ["Maj"]}, 2,
                                     with_help=True, now=NOW - 2 * DAY)
        Learner.update(last_active=NOW - 3 * DAY).where(Learner.name == "Ana").execute()
        Learner.update(last_active=NOW - 20 * DAY).where(Learner.name == "Ben").execute()
        Learner.update(last_active=NOW - 2 * DAY).where(Learner.name == "Cléo").execute()
    return {"ana": ana, "ben": ben, "cleo": cleo}


def test_reports_against_a_known_fixture(app, fixture_data):
    with app.test_request_context(), database.connection_context():
        overview = reports.overview(NOW)
        assert (overview.active_learners, overview.lessons_completed) == (2, 3)
        assert (overview.completed_alone, overview.completed_with_help) == (2, 1)
        courses = reports.per_course("en")
        assert courses[0]["started"] == 3 and courses[0]["completed"] == 1     # only Ana did everything
        assert courses[0]["rate"] == 33
        assert courses[0]["average_score"] == round((100 + 100 / 3) / 2)       # Ana's best 3/3, Cléo 1/3
        hardest = reports.hardest_questions("en")
        assert [row["question"] for row in hardest][:2] == ["Which button opens a link?",
                                                           "The mouse works without electricity."]
        assert hardest[0]["failed"] == 2 and hardest[0]["asked"] == 3
        stuck = reports.stuck_learners(NOW, 7, "en")
        assert [row["learner"].name for row in stuck] == ["Ben"] and stuck[0]["days"] == 20


def test_dashboard_shows_charts_with_their_data_tables(client, staff, fixture_data):
    sign_in(staff)
    page = client.get("/facilitator/dashboard").get_data(as_text=True)
    assert page.count('<svg role="img"') == 2 and page.count("<table") >= 3
    assert "Ben" in page


def test_csv_export_opens_in_a_french_spreadsheet(client, staff, fixture_data):
    sign_in(staff)
    body = client.get("/facilitator/export/progress.csv").data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 4
    assert any(row[0] == "Cléo" for row in rows[1:])
    comma = client.get("/facilitator/export/progress.csv?separator=comma").data.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(comma)))[1][0] in {"Ana", "Ben", "Cléo"}


def test_export_rename_merge_and_erase_a_learner(app, fixture_data):
    with database.connection_context():
        ana, cleo = Learner.get(Learner.name == "Ana"), Learner.get(Learner.name == "Cléo")
        data = learner_admin.export(ana)
        assert json.loads(json.dumps(data))["learner"]["name"] == "Ana"
        assert len(data["quiz_attempts"]) == 2 and len(data["progress"]) == 2
        learner_admin.rename(ana, "Ana M.")
        merged = learner_admin.merge(ana, cleo)
        assert QuizAttempt.select().where(QuizAttempt.learner == merged).count() == 3
        row = Progress.get((Progress.learner == merged) & (Progress.lesson_key == "basics-mouse"))
        assert row.status == "completed" and row.with_help
        assert Learner.get_or_none(Learner.name == "Cléo") is None
        erased_uuid = merged.uuid
        learner_admin.erase(merged)
        assert Progress.select().where(Progress.learner_id == merged.id).count() == 0
        types = [e.type for e in OutboxEvent.select().where(OutboxEvent.learner_uuid == erased_uuid)
                 .order_by(OutboxEvent.seq)]
        assert "learner.renamed" in types and types[-1] == "learner.erased"


def test_assisted_mode_marks_a_lesson_done_with_help(client, staff, fixture_data):
    sign_in(staff)
    uuid = fixture_data["ana"].uuid
    staff.post(f"/facilitator/learners/{uuid}/help", {"lesson": "basics/reading", "with_help": "1"},
               token_from=f"/facilitator/learners/{uuid}")
    with database.connection_context():
        assert Progress.get(Progress.lesson_key == "basics/reading", Progress.learner == fixture_data["ana"].id).with_help


def test_groups_and_attendance_sheet(client, staff, fixture_data):
    sign_in(staff)
    made = staff.post("/facilitator/groups", {"name": "Atelier du mardi"}, token_from="/facilitator/groups")
    url = made.headers["Location"]
    with database.connection_context():
        ids = [str(le.id) for le in Learner.select()]
    staff.post(url, {"learner": ids[:2], "course": ["basics"]}, token_from=url)
    page = client.get(url).get_data(as_text=True)
    assert "Atelier du mardi" in page and "Ana" in page and "Ben" in page
    sheet = client.get(url + "/attendance?day=2026-12-01").get_data(as_text=True)
    assert "2026-12-01" in sheet and "Ana" in sheet


def test_a_complete_course_gives_a_certificate_with_a_verification_code(app, client, fixture_data):
    helper = Learners(client)
    with database.connection_context():
        complete = certificates.is_complete(fixture_data["ana"], course_view("basics", "en"))
        not_complete = certificates.is_complete(fixture_data["ben"], course_view("basics", "en"))
    assert complete and not not_complete
    helper.pick(fixture_data["ana"].uuid)
    response = helper.post("/courses/basics/certificate", token_from="/courses/basics")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    with database.connection_context():
        cert = Certificate.get()
        event = OutboxEvent.get(OutboxEvent.type == "certificate.issued")
    assert cert.code in page and "Ana" in page and ("Basics" in page or "Les bases" in page)
    assert event.payload["code"] == cert.code
    helper.logout()
    helper.pick(fixture_data["ben"].uuid)
    assert helper.post("/courses/basics/certificate", token_from="/courses/basics").status_code == 404


def test_settings_page_and_json(client, staff):
    sign_in(staff)
    staff.post("/facilitator/settings", {"kiosk_name": "Relais Belleville", "centre": "Centre social",
                                         "default_language": "en", "idle_minutes": "15"},
               token_from="/facilitator/settings")
    data = client.get("/-/settings.json").get_json()
    assert data["kiosk_name"] == "Relais Belleville" and data["idle_minutes"] == 15
    assert data["default_language"] == "en" and "hub" in data
    bad = staff.post("/facilitator/settings", {"kiosk_name": "x", "default_language": "fr", "idle_minutes": "0"},
                     token_from="/facilitator/settings")
    assert bad.status_code == 400
