"""Event types kept as codes and payloads kept without their keys (sync/hub/event_forms.py), read back exactly."""
from __future__ import annotations

import pytest

from sync.hub import event_forms
from sync.wire import checks, protocol

PAYLOADS = {
    "a lesson's progress": {"lesson": "basics-mouse", "course": "basics", "status": "started", "step": 3,
                            "steps_total": 9, "time_spent": 120, "with_help": False},
    "a quiz attempt": {"attempt": "5f0c…", "lesson": "l", "course": "c", "score": 2, "total": 3, "passed": True,
                       "with_help": False, "answers": {"1": ["b"], "2": ["a", "c"]}, "correct": [True, True, False]},
    "a certificate with its badge": {"code": "AB12-CD34", "course": "c", "course_title": "Lire « vite »",
                                     "name": "Awa Ndiaye", "centre": "Belleville", "issued_at": 1796000000,
                                     "credential": {"proof": {"value": "z3…"}, "type": ["VerifiableCredential"]}},
    "a new learner": {"name": "Zoé", "picture": None, "prefs": {"language": "fr"}, "pin_hash": None},
    "an erasure into another card": {"merged_into": "00000000-0000-4000-8000-000000000001"},
}


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_a_kiosks_payload_is_kept_without_its_keys_and_read_back_as_the_same_json(payload):
    text = checks.canonical(payload)
    kept = event_forms.compact(text)
    assert kept.startswith(event_forms.MARK) and len(kept) < len(text)
    assert event_forms.expand(kept) == text


@pytest.mark.parametrize("payload", [{}, {"lesson": "l", "course": "c"}, {"name": "Awa", "note": "more than a name"},
                                     {"name": "Awa", "~0": 1}])
def test_a_payload_of_no_known_shape_is_kept_as_its_json(payload):
    text = checks.canonical(payload)
    assert event_forms.compact(text) == text and event_forms.expand(text) == text


def test_a_shapes_number_names_the_same_keys_for_ever():
    """Numbers are on disk: the first shapes may never move (a new shape goes at the end)."""
    assert event_forms.SHAPES[0] == ("course", "lesson", "status", "step", "steps_total", "time_spent", "with_help")
    assert all(list(keys) == sorted(keys) for keys in event_forms.SHAPES)
    assert len(set(event_forms.SHAPES)) == len(event_forms.SHAPES)


def test_an_erased_payload_stays_empty():
    assert event_forms.compact(None) is None and event_forms.expand(None) is None


def test_every_type_a_kiosk_may_send_is_kept_as_a_code_and_read_back():
    assert set(event_forms.TYPES) == protocol.EVENT_TYPES
    for name in protocol.EVENT_TYPES:
        assert len(event_forms.type_code(name)) <= 3 and event_forms.type_name(event_forms.type_code(name)) == name


def test_a_type_of_no_code_is_kept_as_it_is():
    assert event_forms.type_code("progress.step") == "progress.step" == event_forms.type_name("progress.step")
