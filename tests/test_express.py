"""The kept pages' express lane (kiosk/views/express.py): a steady-state lesson page sent past Flask's request
machinery must be the page Flask sends, byte for byte but the idle clock, and every other request must be Flask's."""
import gzip
import re
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.test import EnvironBuilder

from kiosk.db import database
from kiosk.models import LearnerSession
from kiosk.views import express as express_module
from tests.conftest import Learners
from tests.threaded_server import ThreadedServer

LESSON = "/courses/basics/the-mouse"
PHONE = "192.168.4.20"


def call(wsgi, path, cookie="", headers=None, method="GET", remote="127.0.0.1"):
    """One request straight to a WSGI callable: (status, headers, body)."""
    environ = EnvironBuilder(path=path, method=method, headers={**({"Cookie": cookie} if cookie else {}),
                                                                 **(headers or {})},
                             environ_base={"REMOTE_ADDR": remote}).get_environ()
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"], seen["headers"] = status, response_headers

    body = b"".join(wsgi(environ, start_response))
    return seen["status"], sorted(seen["headers"]), body


def text(headers, body) -> str:
    """The page's HTML, its idle clock (which counts down between two requests) left out."""
    html = gzip.decompress(body) if ("Content-Encoding", "gzip") in headers else body
    return re.sub(r'data-idle-left="\d+"', 'data-idle-left=""', html.decode())


def without_length(headers):
    return [h for h in headers if h[0] != "Content-Length"]


@pytest.fixture
def learner(app):
    client = app.test_client()
    steps = Learners(client)
    steps.create("Awa")
    return client, steps


@pytest.fixture
def kept_lesson(app, learner):
    """(client, steps, cookie, express lane, Flask lane), the lesson page kept by Flask for that cookie."""
    client, steps = learner
    cookie = cookie_of(client)
    lane, flask_lane = lanes(app)
    call(flask_lane, LESSON, cookie)
    return client, steps, cookie, lane, flask_lane


def cookie_of(client) -> str:
    """The browser's session cookie, once a page gave its session a CSRF token."""
    client.get("/home")
    return f"relais={client.get_cookie('relais').value}"


def check_due(app, due: bool) -> None:
    """The content switch check (views/packs.py) due now, or just made."""
    app.extensions["packs"]["checked"] = 0.0 if due else time.monotonic()


def lanes(app):
    lane = app.extensions["express"]
    return lane, lane.next


@pytest.mark.parametrize("path, headers, remote", [
    (LESSON, {"Accept-Encoding": "gzip"}, "127.0.0.1"),
    (LESSON, {}, "127.0.0.1"),
    (LESSON + "?step=1", {"Accept-Encoding": "gzip"}, "127.0.0.1"),
    (LESSON + "?step=0", {"Accept-Encoding": "gzip;q=0"}, "127.0.0.1"),
    (LESSON, {"Accept-Encoding": "gzip", "Accept-Language": "en-GB,en;q=0.8"}, PHONE),      # a phone: English
    (LESSON, {"Accept-Encoding": "gzip", "Accept-Language": "en-GB,en;q=0.8"}, "127.0.0.1"),  # the screen: French
])
def test_a_kept_lesson_page_is_the_same_from_either_lane(app, learner, path, headers, remote):
    client, _ = learner
    cookie = cookie_of(client)
    lane, flask_lane = lanes(app)
    flask_answer = call(flask_lane, path, cookie, headers, remote=remote)       # renders and keeps it
    check_due(app, False)
    served = lane.served
    express_answer = call(lane, path, cookie, headers, remote=remote)
    assert lane.served == served + 1
    assert express_answer[0] == flask_answer[0] == "200 OK"
    # The idle clock may tick between the two: the gzip'd lengths may then differ by a byte.
    assert without_length(express_answer[1]) == without_length(call(flask_lane, path, cookie, headers,
                                                                     remote=remote)[1])
    assert dict(express_answer[1])["Content-Length"] == str(len(express_answer[2]))
    assert text(*express_answer[1:]) == text(*flask_answer[1:])
    assert (("Content-Encoding", "gzip") in express_answer[1]) == (headers.get("Accept-Encoding") == "gzip")
    page = text(*express_answer[1:])
    assert "Awa" in page and 'name="csrf_token"' in page
    english = remote == PHONE
    assert ('<html lang="en"' in page) == english and ('<html lang="fr"' in page) == (not english)


def test_a_language_chosen_with_the_cookie_or_the_learners_settings_is_the_one_sent(app, learner):
    client, steps = learner
    lane, flask_lane = lanes(app)
    cookie = cookie_of(client) + "; lang=ar"
    call(flask_lane, LESSON, cookie)
    check_due(app, False)
    assert '<html lang="ar"' in text(*call(lane, LESSON, cookie)[1:])
    steps.post("/language", {"language": "en"}, token_from="/home")
    cookie = cookie_of(client) + "; lang=ar"
    call(flask_lane, LESSON, cookie)
    check_due(app, False)
    served = lane.served
    assert '<html lang="en"' in text(*call(lane, LESSON, cookie)[1:]) and lane.served == served + 1


@pytest.mark.parametrize("path, method, why", [
    (LESSON, "HEAD", "not a GET"),
    (LESSON + "?step=1&x=1", "GET", "another query"),
    (LESSON + "?step=one", "GET", "a step that is not a number"),
    (LESSON + "?step=99", "GET", "no such step: Flask's 404"),
    ("/courses/basics/no-such-lesson", "GET", "no such lesson"),
    ("/courses/basics", "GET", "a page that is not kept"),
    ("/home?welcome=1", "GET", "home with a query"),
    ("/courses?x=1", "GET", "the catalogue with a query"),
    ("//courses/basics/the-mouse", "GET", "an odd path"),
])
def test_the_express_lane_leaves_every_other_request_to_flask(app, learner, path, method, why):
    client, _ = learner
    cookie = cookie_of(client)
    lane, flask_lane = lanes(app)
    call(flask_lane, LESSON, cookie)
    call(flask_lane, path, cookie, method=method)
    check_due(app, False)
    served = lane.served
    answer = call(lane, path, cookie, method=method)
    assert lane.served == served, why
    assert answer[0] == call(flask_lane, path, cookie, method=method)[0], why


def test_no_page_for_a_missing_tampered_or_replayed_cookie(app, kept_lesson):
    _, steps, cookie, lane, _ = kept_lesson
    check_due(app, False)
    served = lane.served
    for tried in ("", cookie[:-3] + "AAA", "relais=x"):
        status, headers, _ = call(lane, LESSON, tried)
        assert status.startswith("302") and dict(headers)["Location"].endswith("/")
    assert lane.served == served
    steps.logout()                                   # the cookie's session row is gone; its text is not
    check_due(app, False)
    served = lane.served
    status, headers, _ = call(lane, LESSON, cookie)
    assert status.startswith("302") and lane.served == served


def test_a_session_due_a_touch_or_ended_goes_through_flask(app, kept_lesson):
    _, _, cookie, lane, _ = kept_lesson

    def last_seen(seconds_ago=None):
        with database.connection_context():
            if seconds_ago is not None:
                LearnerSession.update(last_seen=time.time() - seconds_ago).execute()
            return LearnerSession.get().last_seen

    last_seen(40)                       # due a new last_seen (TOUCH_EVERY): Flask writes it
    check_due(app, False)
    served = lane.served
    assert call(lane, LESSON, cookie)[0] == "200 OK" and lane.served == served
    assert time.time() - last_seen() < 5
    check_due(app, False)
    assert call(lane, LESSON, cookie)[0] == "200 OK" and lane.served == served + 1     # touched: steady again
    last_seen(11 * 60)                  # past IDLE_MINUTES: Flask ends it and says so
    check_due(app, False)
    status, headers, _ = call(lane, LESSON, cookie)
    assert status.startswith("302") and "expired=1" in dict(headers)["Location"] and lane.served == served + 1


def test_the_content_switch_check_when_due_and_a_session_holding_more_go_through_flask(app, kept_lesson):
    _, _, cookie, lane, flask_lane = kept_lesson
    check_due(app, True)
    served = lane.served
    assert call(lane, LESSON, cookie)[0] == "200 OK" and lane.served == served
    assert app.extensions["packs"]["checked"] > 0         # Flask's before_request made it
    # The same session with a message waiting for the next page: only Flask shows messages.
    with app.test_request_context():
        data = app.session_interface.open_session(app, _request_with(app, cookie))
        signed = app.session_interface.get_signing_serializer(app).dumps(
            dict(data, _flashes=[("message", "Bonjour")]))
    more = f"relais={signed}"
    call(flask_lane, LESSON, more)                 # its signature checked (and remembered) by Flask
    check_due(app, False)
    served = lane.served
    assert call(lane, LESSON, more)[0] == "200 OK" and lane.served == served


def _request_with(app, cookie):
    return app.request_class(EnvironBuilder(path=LESSON, headers={"Cookie": cookie}).get_environ())


def test_an_error_in_the_express_lane_is_answered_by_flask(app, kept_lesson, monkeypatch, caplog):
    _, _, cookie, lane, _ = kept_lesson

    def broken(*args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(express_module, "page_key", broken)
    check_due(app, False)
    served = lane.served
    status, _, body = call(lane, LESSON, cookie, {"Accept-Encoding": "gzip"})
    assert status == "200 OK" and "Awa" in gzip.decompress(body).decode() and lane.served == served
    assert "express lane" in caplog.text
    monkeypatch.undo()                  # the lane is free again after its error
    assert not lane.gate.locked()
    call(lane, LESSON, cookie, {"Accept-Encoding": "gzip"})
    assert lane.served == served + 1


def test_a_request_that_finds_the_lane_busy_is_answered_by_flask(app, kept_lesson):
    _, _, cookie, lane, flask_lane = kept_lesson
    check_due(app, False)
    served, busy = lane.served, lane.busy
    with lane.gate:                     # another request in the lane, stalled (a slow card)
        status, headers, body = call(lane, LESSON, cookie, {"Accept-Encoding": "gzip"})
    assert status == "200 OK" and lane.served == served and lane.busy == busy + 1
    assert text(headers, body) == text(*call(flask_lane, LESSON, cookie, {"Accept-Encoding": "gzip"})[1:])
    call(lane, LESSON, cookie, {"Accept-Encoding": "gzip"})
    assert lane.served == served + 1 and lane.busy == busy + 1


def test_sixteen_browsers_at_once_on_a_real_server_each_get_the_learners_page(app, kept_lesson):
    _, _, cookie, lane, flask_lane = kept_lesson
    expected = text(*call(flask_lane, LESSON, cookie)[1:])
    check_due(app, False)
    served = lane.served
    server = ThreadedServer(app, threads=16)

    def fetch(_):
        asked = urllib.request.Request(server.base + LESSON, headers={"Cookie": cookie})
        with urllib.request.urlopen(asked, timeout=30) as answer:
            return answer.status, re.sub(r'data-idle-left="\d+"', 'data-idle-left=""', answer.read().decode())

    try:
        with ThreadPoolExecutor(16) as browsers:
            answers = list(browsers.map(fetch, range(160)))
    finally:
        server.stop()
    assert {status for status, _ in answers} == {200}
    assert {page for _, page in answers} == {expected}
    assert lane.served > served and not lane.gate.locked()


def test_a_change_of_settings_shows_on_the_next_express_page(app, learner):
    client, steps = learner
    lane, flask_lane = lanes(app)
    for size in ("150", "200"):
        steps.post("/display", {"text_size": size}, token_from="/home")
        cookie = cookie_of(client)
        call(flask_lane, LESSON, cookie)
        check_due(app, False)
        served = lane.served
        assert f'class="text-{size}"' in text(*call(lane, LESSON, cookie)[1:]) and lane.served == served + 1


def first_screen(app, cookie="", headers=None, remote="127.0.0.1"):
    lane, flask_lane = lanes(app)
    flask_answer = call(flask_lane, "/", cookie, headers, remote=remote)      # renders and keeps it
    check_due(app, False)
    served = lane.served
    answer = call(lane, "/", cookie, headers, remote=remote)
    return answer, flask_answer, lane.served - served


@pytest.mark.parametrize("headers, remote", [({"Accept-Encoding": "gzip"}, "127.0.0.1"), ({}, "127.0.0.1"),
                                             ({"Accept-Language": "en"}, PHONE)])
def test_a_first_visit_gets_the_first_screen_and_a_new_session_as_flask_gives_them(app, learner, headers, remote):
    answer, flask_answer, served = first_screen(app, "", headers, remote)
    assert served == 1 and answer[0] == flask_answer[0] == "200 OK"
    # Each session's token is new: its gzip'd page may differ in length by a byte or two.
    assert [h for h in without_length(answer[1]) if h[0] != "Set-Cookie"] == \
        [h for h in without_length(flask_answer[1]) if h[0] != "Set-Cookie"]
    mine, flasks = dict(answer[1])["Set-Cookie"], dict(flask_answer[1])["Set-Cookie"]
    assert mine.split(";", 1)[1] == flasks.split(";", 1)[1]          # the same cookie attributes
    assert mine.split(";")[0] != flasks.split(";")[0]                 # and another session
    assert text(*answer[1:]).count("Awa") == text(*flask_answer[1:]).count("Awa") > 0
    assert re.sub(r'value="[^"]+"', "", text(*answer[1:])) == re.sub(r'value="[^"]+"', "", text(*flask_answer[1:]))
    # The new session's cookie and token work: the visitor may create a card with them.
    visitor = app.test_client()
    visitor.set_cookie("relais", mine.split(";")[0].split("=", 1)[1])
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(*answer[1:])).group(1)
    created = visitor.post("/new", data={"csrf_token": token, "name": "Bob", "picture": "cat", "pin": "",
                                         "pin_confirm": ""})
    assert created.status_code == 302 and "/home" in created.headers["Location"]


def test_the_kiosk_screen_between_learners_gets_the_first_screen_with_its_own_token(app, learner):
    client, steps = learner
    steps.logout()
    visitor = app.test_client()
    visitor.get("/")
    cookie = f"relais={visitor.get_cookie('relais').value}"
    answer, flask_answer, served = first_screen(app, cookie, {"Accept-Encoding": "gzip"})
    assert served == 1 and without_length(answer[1]) == without_length(flask_answer[1])
    assert "Set-Cookie" not in dict(answer[1])
    assert text(*answer[1:]) == text(*flask_answer[1:])
    steps_visitor = Learners(visitor)
    steps_visitor.post("/display", {"text_size": "150"}, token_from="/")     # a visitor's display settings
    cookie = f"relais={visitor.get_cookie('relais').value}"
    answer, flask_answer, served = first_screen(app, cookie, {"Accept-Encoding": "gzip"})
    assert served == 1 and 'class="text-150"' in text(*answer[1:]) and text(*answer[1:]) == text(*flask_answer[1:])


@pytest.mark.parametrize("query", ["?find=Awa", "?page=2", "?expired=1", "?step=1"])
def test_the_first_screen_with_a_query_or_for_a_learner_is_flasks(app, learner, query):
    client, _ = learner
    answer, flask_answer, served = first_screen(app, cookie_of(client))       # logged in: sent home
    assert served == 0 and answer[0].startswith("302") and "/home" in dict(answer[1])["Location"]
    lane, flask_lane = lanes(app)
    call(flask_lane, "/" + query)
    check_due(app, False)
    before = lane.served
    assert call(lane, "/" + query)[0] == call(flask_lane, "/" + query)[0] and lane.served == before


@pytest.mark.parametrize("path", ["/home", "/courses"])
def test_home_and_the_catalogue_are_the_same_from_either_lane_and_show_progress_at_once(app, learner, path):
    client, steps = learner
    lane, flask_lane = lanes(app)
    for finished in (False, True):
        if finished:
            steps.post("/courses/basics/reading/step", {"step": 2}, token_from="/courses/basics/reading")
        cookie = cookie_of(client)
        flask_answer = call(flask_lane, path, cookie, {"Accept-Encoding": "gzip"})
        check_due(app, False)
        served = lane.served
        answer = call(lane, path, cookie, {"Accept-Encoding": "gzip"})
        assert lane.served == served + 1 and answer[0] == flask_answer[0] == "200 OK"
        assert without_length(answer[1]) == without_length(flask_answer[1])
        assert text(*answer[1:]) == text(*flask_answer[1:])
        assert ("1 sur 2" in text(*answer[1:])) == finished
