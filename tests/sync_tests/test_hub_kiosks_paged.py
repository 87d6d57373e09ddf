"""The hub's Kiosks page with a country's 2,000 kiosks: a small page at a time, every kiosk of the scope once."""
from __future__ import annotations

import base64
import json
import re
import uuid

from sync.hub import reports, scopes
from sync.hub.models import Kiosk
from tests.sync_tests.test_hub_scale import signed_in

CENTRES = [f"Centre {n:03d}" for n in range(20)]
NEXT = re.compile(r'<a rel="next" href="([^"]+)"')
PREVIOUS = re.compile(r'<a rel="prev" href="([^"]+)"')


def enrol_many(hub, per_centre: int = 100) -> dict[str, set[str]]:
    """{centre: its kiosks' ids}; kiosks of a centre share enrolment moments by tens, so ties are broken by id."""
    kiosks = {c: {str(uuid.uuid4()) for _ in range(per_centre)} for c in CENTRES}
    rows = [{"id": k, "centre": c, "secret": "s", "enrolled_at": 1_700_000_000 + n // 10}
            for c, ids in kiosks.items() for n, k in enumerate(sorted(ids))]
    hub.query(lambda: Kiosk.insert_many(rows).execute())
    return kiosks


def walk(hub, scope, size):
    pages, cursor = [], ""
    while True:
        page = hub.query(lambda at=cursor: reports.kiosk_page(scope, at, size))
        pages.append(page)
        if not page.next:
            return pages
        cursor = page.next


def test_two_thousand_kiosks_are_paged_and_each_kiosk_of_the_scope_is_reached_exactly_once(hub):
    kiosks = enrol_many(hub)
    national = walk(hub, scopes.NATIONAL, 50)
    seen = [k["id"] for p in national for k in p.rows]
    assert len(national) == 40 and all(len(p.rows) == 50 for p in national)
    assert sorted(seen) == sorted(k for ids in kiosks.values() for k in ids)
    assert [k["centre"] for p in national for k in p.rows] == sorted(c for c in CENTRES for _ in range(100))
    two = scopes.Scope(centres=frozenset({CENTRES[3], CENTRES[17]}))
    theirs = walk(hub, two, 30)
    seen = [k["id"] for p in theirs for k in p.rows]
    assert len(seen) == len(set(seen)) == 200 and set(seen) == kiosks[CENTRES[3]] | kiosks[CENTRES[17]]
    back = hub.query(lambda: reports.kiosk_page(two, theirs[-1].previous, 30))
    assert back.rows == theirs[-2].rows and back.next


def test_a_centre_facilitator_reads_small_pages_of_their_own_kiosks_only(hub):
    kiosks = enrol_many(hub, per_centre=60)
    browser = signed_in(hub, "centre-5", scopes.Scope(centres=frozenset({CENTRES[5]})))
    first = browser.get(hub.url + "/", timeout=10)
    assert first.status_code == 200 and len(first.content) < 20_000 and not PREVIOUS.search(first.text)
    second = browser.get(hub.url + NEXT.search(first.text).group(1).replace("&amp;", "&"), timeout=10)
    shown = set(re.findall(r'<code title="([0-9a-f-]{36})">', first.text + second.text))
    assert shown == kiosks[CENTRES[5]] and not NEXT.search(second.text) and PREVIOUS.search(second.text)
    assert not any(c in first.text + second.text for c in CENTRES if c != CENTRES[5])
    odd_keys = ([1, "2", 3], ["\x00", 1.5, "x"], [CENTRES[5], True, "x"], [CENTRES[5], 1.5])
    for odd in ["<nonsense"] + [">" + base64.urlsafe_b64encode(json.dumps(k).encode()).decode() for k in odd_keys]:
        assert browser.get(hub.url + "/", params={"page": odd}, timeout=10).status_code == 200
