"""Every route of the hub, on SQLite and on PostgreSQL, fuzzed signed and unsigned, by a kiosk, a
facilitator and a stranger: a 4xx with a message (JSON on the sync routes), never a 5xx or a traceback."""
from __future__ import annotations

import pytest

from sync.wire import protocol

from . import examples, sweep
from .conftest import BACKENDS, POSTGRES_URL
from .hub_target import Hub
from .routes import of_app


@pytest.fixture(scope="module", params=BACKENDS)
def hub(request, scratch, packs, uploads):
    target = Hub(scratch / f"hub-{request.param}", packs, uploads, request.param,
                 POSTGRES_URL if request.param == "postgresql" else None)
    yield target
    target.close()


@pytest.mark.parametrize("examples_per_route", examples.DEPTHS)
@pytest.mark.parametrize("route", of_app("hub"), ids=lambda r: r.id)
def test_a_hub_route_answers_hostile_input_with_a_4xx_never_a_5xx(hub, route, examples_per_route):
    examples.run(hub, route, examples_per_route)


@pytest.mark.parametrize("route", of_app("hub"), ids=lambda r: r.id)
def test_each_field_a_hub_route_reads_takes_every_famous_value(hub, route):
    calls = sweep.field_calls(hub, route)
    if route.rule == protocol.ENROLL_PATH:
        calls += hub.enrolment_calls(route)
    if route.rule == protocol.EVENTS_PATH:
        calls += hub.payload_calls(route)
    if hub.checks_signatures(route):
        calls += hub.signed_header_calls(route)
    sweep.run(hub, calls)
