"""The shared rules: batch encoding, gzip limits, signatures, backoff and the hybrid logical clock."""
import gzip
import random

import pytest

from sync.wire import backoff, hlc, protocol


def test_a_batch_survives_the_round_trip():
    events = [{"id": "0" * 8 + "-0000-4000-8000-" + "0" * 12, "epoch": 1, "seq": 1, "learner": None,
               "hlc": hlc.encode(5, 0), "type": "learner.created", "payload": {"name": "Zoé"}}]
    batch = protocol.decode_batch(protocol.encode_batch(events, pending=3))
    assert batch["events"] == events and batch["pending"] == 3
    assert protocol.validate_events(events) == ['{"name":"Zoé"}']


def test_inflating_stops_at_the_limit():
    with pytest.raises(protocol.TooLarge):
        protocol.decode_batch(gzip.compress(b" " * 5000), limit=4096)
    with pytest.raises(protocol.Malformed):
        protocol.decode_batch(gzip.compress(b'{"v":1,"events":[]}')[:-6])


def test_the_signature_covers_method_path_digest_kiosk_time_and_nonce():
    parts = ["POST", "/sync/v1/events", "sha-256=:x:", "kiosk", 1000, "ab" * 16]
    good = protocol.sign("secret", protocol.string_to_sign(*parts))
    for index, changed in enumerate(["PUT", "/other", "sha-256=:y:", "other", 1001, "cd" * 16]):
        altered = list(parts)
        altered[index] = changed
        assert not protocol.signature_ok("secret", protocol.string_to_sign(*altered), good)
    assert not protocol.signature_ok("other secret", protocol.string_to_sign(*parts), good)


def test_backoff_is_full_jitter_capped_and_honours_retry_after():
    rng = random.Random(1).random
    waits = [backoff.delay(n, base=2, cap=900, rng=rng) for n in range(1, 40)]
    assert all(0 <= w <= min(900, 2 * 2 ** (n - 1)) for n, w in zip(range(1, 40), waits))
    assert max(waits) > 300                               # it does grow towards the cap
    assert backoff.delay(1, rng=lambda: 0.0, retry_after=120) == 120
    assert backoff.delay(1, rng=lambda: 0.0, retry_after=10**9) == backoff.RETRY_AFTER_MAX
    assert backoff.retry_after("30") == 30
    assert backoff.retry_after("Wed, 21 Oct 2015 07:28:30 GMT", "Wed, 21 Oct 2015 07:28:00 GMT") == 30


def test_the_clock_never_goes_backwards_whatever_the_wall_clock_does():
    wall, counter, stamps = 0, 0, []
    for reading in [0, 5, 5, 3, 1_700_000_000_000, 10, 2_000_000_000_000, 1_700_000_000_001]:
        wall, counter = hlc.tick(wall, counter, reading)
        stamps.append(hlc.encode(wall, counter))
    wall, counter = hlc.receive(wall, counter, (2_100_000_000_000, 4), 7)
    stamps.append(hlc.encode(wall, counter))
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
