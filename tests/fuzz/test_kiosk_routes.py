"""Every route of the kiosk, fuzzed as an anonymous visitor, a learner, a facilitator and on first run:
a 4xx with a page in the visitor's language, never a 5xx or a traceback."""
from __future__ import annotations

import pytest

from . import examples, sweep
from .kiosk_target import Kiosk
from .routes import of_app


@pytest.fixture(scope="module")
def kiosk(scratch, packs, uploads):
    return Kiosk(scratch / "kiosk", packs, uploads)


@pytest.mark.parametrize("examples_per_route", examples.DEPTHS)
@pytest.mark.parametrize("route", of_app("kiosk"), ids=lambda r: r.id)
def test_a_kiosk_route_answers_hostile_input_with_a_4xx_never_a_5xx(kiosk, route, examples_per_route):
    examples.run(kiosk, route, examples_per_route)


@pytest.mark.parametrize("route", of_app("kiosk"), ids=lambda r: r.id)
def test_each_field_a_kiosk_route_reads_takes_every_famous_value(kiosk, route):
    sweep.run(kiosk, sweep.field_calls(kiosk, route))
