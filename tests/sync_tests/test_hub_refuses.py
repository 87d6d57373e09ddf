"""Every bad request gets its status code, and the hub stores nothing from it."""
import gzip
import json
import time
import uuid

import pytest
import requests

from sync.hub.models import Event, Learner, LessonState, Nonce
from sync.wire import protocol
from tests.sync_tests.conftest import enroll_kiosk


def event(seq: int, epoch: int = 1, **changes) -> dict:
    base = {"id": str(uuid.uuid4()), "epoch": epoch, "seq": seq, "learner": str(uuid.UUID(int=7)),
            "hlc": f"{1732800000000 + seq:015d}-000000", "type": "lesson.progressed",
            "payload": {"lesson": "basics-mouse", "course": "basics", "status": "started", "step": seq,
                        "steps_total": 9, "time_spent": seq * 10, "with_help": False}}
    return dict(base, **changes)


class RawKiosk:
    """Builds and sends requests by hand, right or wrong on purpose."""

    def __init__(self, hub, link):
        self.hub, self.link = hub, link

    def send(self, body: bytes, headers: dict | None = None, **overrides) -> requests.Response:
        signed = protocol.request_headers(self.link.secret, self.link.kiosk_id, protocol.EVENTS_PATH, body,
                                          int(time.time() * 1000))
        signed.update(headers or {})
        return requests.post(self.hub.url + protocol.EVENTS_PATH, data=body, headers=signed, timeout=10, **overrides)

    def batch(self, events: list[dict]) -> requests.Response:
        return self.send(protocol.encode_batch(events))


@pytest.fixture
def raw(kiosk, hub):
    return RawKiosk(hub, enroll_kiosk(kiosk, hub.url, hub.code()))


def stored(hub) -> tuple:
    return hub.query(lambda: (Event.select().count(), LessonState.select().count(), Learner.select().count()))


def refused(response: requests.Response, status: int, hub, before: tuple) -> None:
    assert response.status_code == status, response.text
    assert stored(hub) == before


def test_a_good_batch_is_stored_and_acknowledged(raw, hub):
    answer = raw.batch([event(1), event(2)])
    assert answer.status_code == 200
    assert answer.json()["acked"] == {"1": 2} and answer.json()["stored"] == 2
    assert stored(hub) == (2, 1, 1)


def test_a_replayed_request_is_refused(raw, hub):
    body = protocol.encode_batch([event(1)])
    headers = protocol.request_headers(raw.link.secret, raw.link.kiosk_id, protocol.EVENTS_PATH, body,
                                       int(time.time() * 1000))
    first = requests.post(hub.url + protocol.EVENTS_PATH, data=body, headers=headers, timeout=10)
    assert first.status_code == 200
    before = stored(hub)
    again = requests.post(hub.url + protocol.EVENTS_PATH, data=body, headers=headers, timeout=10)
    refused(again, 401, hub, before)
    assert "replay" in again.json()["message"]


def test_a_tampered_body_is_refused(raw, hub):
    body = protocol.encode_batch([event(1)])
    headers = protocol.request_headers(raw.link.secret, raw.link.kiosk_id, protocol.EVENTS_PATH, body,
                                       int(time.time() * 1000))
    other = protocol.encode_batch([event(1, payload={"lesson": "x"})])
    answer = requests.post(hub.url + protocol.EVENTS_PATH, data=other, headers=headers, timeout=10)
    refused(answer, 401, hub, (0, 0, 0))
    with_new_digest = dict(headers, **{"Content-Digest": protocol.content_digest(other)})
    answer = requests.post(hub.url + protocol.EVENTS_PATH, data=other, headers=with_new_digest, timeout=10)
    refused(answer, 401, hub, (0, 0, 0))


def test_a_bad_signature_is_refused(raw, hub):
    refused(raw.send(protocol.encode_batch([event(1)]), {protocol.H_SIG: "0" * 64}), 401, hub, (0, 0, 0))


def test_an_unknown_kiosk_is_refused(raw, hub):
    answer = raw.send(protocol.encode_batch([event(1)]), {protocol.H_KIOSK: str(uuid.uuid4())})
    refused(answer, 401, hub, (0, 0, 0))


def test_a_request_outside_the_clock_window_is_refused_with_the_hubs_time(raw, hub):
    body = protocol.encode_batch([event(1)])
    stale = int(time.time() * 1000) - protocol.SKEW_MS - 60_000
    headers = protocol.request_headers(raw.link.secret, raw.link.kiosk_id, protocol.EVENTS_PATH, body, stale)
    answer = requests.post(hub.url + protocol.EVENTS_PATH, data=body, headers=headers, timeout=10)
    refused(answer, 401, hub, (0, 0, 0))
    assert answer.json()["error"] == "clock" and abs(answer.json()["hub_time"] - time.time() * 1000) < 60_000


def test_an_oversized_body_is_refused_before_it_is_read(raw, hub):
    body = b"\0" * (protocol.MAX_BODY + 1)
    refused(raw.send(body), 413, hub, (0, 0, 0))


def test_a_gzip_bomb_is_refused(raw, hub):
    inflated = b'{"v":1,"events":[' + b" " * (protocol.MAX_DECOMPRESSED + 10) + b"]}"
    bomb = gzip.compress(inflated, 9)
    assert len(bomb) < 100_000
    refused(raw.send(bomb), 413, hub, (0, 0, 0))


def test_duplicate_ids_in_one_batch_are_refused(raw, hub):
    first = event(1)
    refused(raw.batch([first, dict(first, seq=2)]), 400, hub, (0, 0, 0))


@pytest.mark.parametrize("body", [
    b"not gzip at all",
    gzip.compress(b"{not json"),
    gzip.compress(b'{"v": 1, "events": [{"id": "x"}]}'),
    gzip.compress(json.dumps({"v": 1, "events": [dict(event(1), seq=0)]}).encode()),
    gzip.compress(json.dumps({"v": 1, "events": "none"}).encode()),
], ids=["not-gzip", "not-json", "no-usable-id", "seq-zero", "events-not-a-list"])
def test_a_malformed_batch_is_refused(raw, hub, body):
    """An event with a sound place but a bad type or clock is set aside instead (test_set_aside.py)."""
    refused(raw.send(body), 400, hub, (0, 0, 0))


def test_the_same_id_with_other_content_is_a_conflict_and_changes_nothing(raw, hub):
    first = event(1)
    assert raw.batch([first]).status_code == 200
    before = stored(hub)
    changed = dict(first, payload=dict(first["payload"], step=5))
    refused(raw.batch([event(2), changed]), 409, hub, before)
    assert raw.batch([first, event(2)]).json()["acked"] == {"1": 2}      # the very same event is fine


def test_a_sequence_number_reused_by_another_event_is_a_conflict(raw, hub):
    assert raw.batch([event(1)]).status_code == 200
    before = stored(hub)
    refused(raw.batch([event(1)]), 409, hub, before)


def test_an_overloaded_hub_says_when_to_come_back(raw, hub):
    hub.app.extensions["hub_ingest_slots"].acquire()       # take every slot, as busy uploads would
    slots = [hub.app.extensions["hub_ingest_slots"].acquire(blocking=False) for _ in range(10)]
    try:
        answer = raw.batch([event(1)])
        refused(answer, 503, hub, (0, 0, 0))
        assert int(answer.headers["Retry-After"]) > 0
    finally:
        for taken in [True] + slots:
            if taken:
                hub.app.extensions["hub_ingest_slots"].release()
    assert raw.batch([event(1)]).status_code == 200


def test_nonces_are_kept_in_the_database_not_in_memory(raw, hub):
    assert raw.batch([event(1)]).status_code == 200
    assert hub.query(lambda: Nonce.select().count()) == 1
