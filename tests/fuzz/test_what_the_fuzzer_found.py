"""What the fuzz suite found and was fixed, each kept as a story of its own (the smallest input)."""
from __future__ import annotations

import base64
import json
import re

import pytest

from kiosk.db import database
from kiosk.facilitators import create as create_facilitator
from kiosk.learners import create_learner
from sync.hub import auth, xapi
from sync.hub.app import create_hub_app
from sync.hub.db import database as hub_database
from sync.hub.models import Event
from sync.wire import protocol
from tests.conftest import Learners

LANG = re.compile(r'<html lang="([^"]+)"')


@pytest.fixture
def staff(app, client):
    """A facilitator signed in on the kiosk, and two learners' cards."""
    with database.connection_context():
        create_facilitator("Samia", "correct horse battery")
        cards = [create_learner(name, "sun", None, "fr").uuid for name in ("Awa", "Binta")]
    helper = Learners(client)
    helper.post("/facilitator/login", {"name": "Samia", "password": "correct horse battery"},
                token_from="/facilitator/login")
    helper.cards = cards
    return helper


@pytest.fixture
def hub(tmp_path):
    app = create_hub_app({"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "HUB_DATA_DIR": str(tmp_path / "hub"),
                          "SECRET_KEY": "found"})
    return app.test_client()


def test_a_wrong_method_on_a_kiosk_page_is_a_kiosk_page_in_the_visitors_language(client):
    client.set_cookie("lang", "ar")
    answer = client.put("/")
    assert answer.status_code == 405
    assert LANG.search(answer.get_data(as_text=True)).group(1) == "ar"
    assert "GET" in answer.headers["Allow"]


def test_a_range_past_the_end_of_a_file_is_a_kiosk_page_that_keeps_its_content_range(client):
    client.set_cookie("lang", "en")
    answer = client.get("/static/style.css", headers={"Range": "bytes=99999999-"})
    assert answer.status_code == 416
    assert LANG.search(answer.get_data(as_text=True)).group(1) == "en"
    assert answer.headers["Content-Range"].startswith("bytes */")


def test_a_group_number_too_large_for_the_database_is_not_found(staff):
    assert staff.client.get("/facilitator/groups/9223372036854775808").status_code == 404
    assert staff.client.get("/facilitator/groups/99999999999999999999/attendance").status_code == 404


def test_a_group_keeps_its_members_when_a_learner_number_is_too_large(staff):
    staff.post("/facilitator/groups", {"name": "Atelier"}, token_from="/facilitator/groups")
    answer = staff.post("/facilitator/groups/1", {"learner": ["1", "9" * 30], "course": "basics"},
                        token_from="/facilitator/groups/1")
    assert answer.status_code == 302
    assert "Awa" in staff.client.get("/facilitator/groups/1").get_data(as_text=True)


def test_a_card_cannot_be_merged_with_itself_and_the_facilitator_is_told(staff):
    card = staff.cards[0]
    staff.client.set_cookie("lang", "en")
    answer = staff.post(f"/facilitator/learners/{card}/merge", {"other": card, "confirm": "1"},
                        token_from=f"/facilitator/learners/{card}", follow_redirects=True)
    assert answer.status_code == 200
    assert "a card cannot be merged with itself" in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/media/pack\x00.zip", "/" + "a" * 5000 + ".zip"])
def test_a_usb_path_with_nul_or_too_long_for_the_disk_is_refused_with_the_form_message(staff, path):
    answer = staff.post("/facilitator/packs/usb", {"path": path}, token_from="/facilitator/packs/")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/facilitator/packs/")


def test_a_sync_route_answers_a_wrong_method_with_the_json_kiosks_read(hub):
    answer = hub.get(protocol.EVENTS_PATH)
    assert answer.status_code == 405
    assert answer.get_json()["error"] == "method_not_allowed" and answer.get_json()["message"]
    assert "POST" in answer.headers["Allow"]


def test_an_enrolment_nested_past_the_parser_is_malformed_not_a_server_error(hub):
    answer = hub.post(protocol.ENROLL_PATH, data=b"[" * 5000, content_type="application/json")
    assert answer.status_code == 400 and answer.get_json()["error"] == "malformed"


@pytest.mark.parametrize("query", ["after=²", "limit=" + "9" * 5000, "after=١", "after=-1"])
def test_xapi_paging_written_other_than_with_0_to_9_is_refused(hub, query):
    with hub_database.connection_context():
        auth.create_facilitator("Nadia", "correct horse battery")
    headers = {"Authorization": "Basic " + base64.b64encode(b"Nadia:correct horse battery").decode(),
               "X-Experience-API-Version": "1.0.3"}
    assert hub.get("/xapi/statements?after=0", headers=headers).status_code == 200
    assert hub.get(f"/xapi/statements?{query}", headers=headers).status_code == 400


def test_xapi_reads_a_count_that_is_not_a_number_as_zero_instead_of_failing_the_export():
    event = Event(id="6b1b3e0e-54f2-4c0c-9a55-1d0b8f1b9e6e", kiosk_id="k", learner_uuid="l", type="quiz.attempted",
                  hlc="001732800000000-000001", payload=json.dumps({
                      "attempt": "a", "lesson": "basics-mouse", "total": "abc", "score": [2], "correct": 5,
                      "passed": True}))
    statements = xapi.statements_for(event, "https://hub.example")
    assert statements[0]["result"]["score"] == {"raw": 0, "min": 0, "max": 0}
    assert len(statements) == 1                         # "correct" is not a list: no question statements
    event.type, event.payload = "lesson.progressed", json.dumps({"lesson": "x", "time_spent": "9" * 30})
    assert xapi.statements_for(event, "https://hub.example")[0]["result"]["duration"] == "PT0S"


@pytest.fixture
def arabic_learner(client):
    """A learner who chose Arabic, on a browser that asks for French."""
    helper = Learners(client)
    helper.create("Awa")
    helper.post("/preferences", {"language": "ar", "text_size": "100"}, token_from="/preferences")
    return helper


def test_a_refused_form_is_in_the_learners_own_language_with_their_name(arabic_learner):
    """The CSRF check runs before the learner is read: its page used to be in the browser's language."""
    answer = arabic_learner.client.post("/preferences", data={"language": "fr"}, headers={"Accept-Language": "fr"})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert LANG.search(page).group(1) == "ar" and "Awa" in page


def test_a_missing_media_file_is_a_page_in_the_learners_language(arabic_learner):
    answer = arabic_learner.client.get("/media/01-basics/gone.svg", headers={"Accept-Language": "fr"})
    assert answer.status_code == 404 and LANG.search(answer.get_data(as_text=True)).group(1) == "ar"
