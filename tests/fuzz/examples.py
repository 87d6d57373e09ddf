"""How many examples each route gets, and the hypothesis settings every fuzz test shares."""
from __future__ import annotations

import zlib

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

# Both depths run in make test; the long one is marked slow, so -m "not slow" leaves it out.
DEPTHS = [pytest.param(40, id="quick"), pytest.param(400, id="long", marks=pytest.mark.slow)]
# A route whose every accepted request is slow by design gets fewer, by (method, endpoint): the capacity
# self-test runs a copy of the kiosk for six seconds each time a facilitator's form gets through; a
# sign-in or sign-out form that gets through costs a scrypt comparison (~65 ms here; signing out, the
# fuzzer signs in again), so at 400 examples those routes took 15-29 s each, a fifth of the fuzz suite.
FEWER = {("POST", "selftest_page.start"): 6, ("POST", "facilitator.login"): 100,
         ("POST", "facilitator.logout"): 100, ("POST", "hub.login"): 100, ("POST", "hub.logout"): 100}


def run(target, route, examples: int) -> None:
    """Fuzz one route of one target; each route has its own fixed seed, so a run is reproducible."""
    count = min(examples, FEWER.get((route.method, route.endpoint), examples))

    @seed(zlib.crc32(f"{target.name} {route.id}".encode()))
    @settings(max_examples=count, deadline=None, database=None, derandomize=False,
              phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def fuzz(data):
        target.exercise(data, route)

    fuzz()
