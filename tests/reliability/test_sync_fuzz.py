"""Fuzzed sync requests against the hub: any body, any header, signed or not, gets a 4xx, never a 500."""
import gzip
import json
import time
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.hub import db as hub_db
from sync.hub.app import create_hub_app
from sync.hub.auth import new_enroll_code
from sync.wire import protocol

pytestmark = pytest.mark.slow

EVENT_FIELDS = st.fixed_dictionaries({}, optional={
    "id": st.one_of(st.uuids().map(str), st.text(max_size=40), st.integers(), st.none()),
    "kiosk": st.text(max_size=40), "epoch": st.one_of(st.integers(-5, 2**70), st.text(max_size=5)),
    "seq": st.one_of(st.integers(-5, 2**70), st.floats(), st.none()),
    "learner": st.one_of(st.uuids().map(str), st.text(max_size=10), st.none()),
    "hlc": st.one_of(st.text(max_size=30), st.integers()), "type": st.sampled_from(
        ["lesson.progressed", "quiz.attempted", "learner.erased", "certificate.issued", "nope", ""]),
    "payload": st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                            lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                            max_leaves=10)})
BATCHES = st.one_of(
    st.fixed_dictionaries({"v": st.one_of(st.just(protocol.VERSION), st.integers()),
                           "pending": st.one_of(st.integers(), st.text(max_size=3)),
                           "events": st.lists(EVENT_FIELDS, max_size=6)}),
    st.recursive(st.none() | st.integers() | st.text(max_size=10), lambda inner: st.lists(inner, max_size=3),
                 max_leaves=5))


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    app = create_hub_app({"HUB_DATA_DIR": str(tmp_path_factory.mktemp("hub")), "SECRET_KEY": "fuzz",
                          "TESTING": True})
    client = app.test_client()
    with hub_db.database.connection_context():
        code = new_enroll_code("Fuzz centre")
    answer = client.post(protocol.ENROLL_PATH, json={"code": code})
    assert answer.status_code == 200
    return client, answer.get_json()


def signed(kiosk, body):
    return protocol.request_headers(kiosk["secret"], kiosk["kiosk_id"], protocol.EVENTS_PATH, body,
                                    int(time.time() * 1000), uuid.uuid4().hex)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=BATCHES, raw=st.binary(max_size=200), mode=st.sampled_from(["json", "raw", "plain-json"]))
def test_signed_fuzzed_bodies_get_a_4xx(hub, batch, raw, mode):
    client, kiosk = hub
    body = {"json": lambda: gzip.compress(json.dumps(batch).encode()), "raw": lambda: raw,
            "plain-json": lambda: json.dumps(batch).encode()}[mode]()
    response = client.post(protocol.EVENTS_PATH, data=body, headers=signed(kiosk, body))
    assert 200 <= response.status_code < 500, response.get_data(as_text=True)[:300]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(headers=st.dictionaries(st.sampled_from([protocol.H_KIOSK, protocol.H_TIME, protocol.H_NONCE,
                                                protocol.H_SIG, "Content-Digest", "Content-Encoding",
                                                "Content-Type", "Content-Length"]),
                               st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80)),
       body=st.binary(max_size=300))
def test_unsigned_or_garbled_requests_get_a_4xx(hub, headers, body):
    client, _ = hub
    response = client.post(protocol.EVENTS_PATH, data=body, headers=headers)
    assert 400 <= response.status_code < 500
