"""The fuzz suite itself: it reaches every route, and fails on a route it would not know how to fill."""
from __future__ import annotations

from flask import Flask

from .routes import KNOWN, VARIABLES, Known, Route, of_app, routes, variable_values


def test_every_url_variable_of_both_apps_has_a_strategy():
    missing = [f"{r.id}: <{name}>" for r in of_app("kiosk") + of_app("hub") for name, _ in r.variables
               if name not in VARIABLES]
    assert not missing, "URL variables without a strategy in tests/fuzz/routes.py VARIABLES:\n" + "\n".join(missing)


def test_a_route_added_later_is_found_and_refused_until_its_variable_has_a_strategy():
    app = Flask(__name__)
    app.add_url_rule("/receipts/<int:receipt_number>", "receipt", lambda receipt_number: "", methods=["GET", "POST"])
    found = [r for r in routes(app) if r.endpoint == "receipt"]
    assert [r.method for r in found] == ["GET", "POST"]
    try:
        variable_values(None, found[0])
    except KeyError as error:
        assert "receipt_number" in str(error)
    else:
        raise AssertionError("a variable without a strategy was accepted")


def test_each_known_failure_names_a_route_that_exists():
    ids = {r.id for r in of_app("kiosk")} | {r.id for r in of_app("hub")} | {"*"}
    assert [k for k in KNOWN if k.route not in ids] == []


def test_routes_are_listed_once_per_method():
    found = of_app("kiosk")
    assert len({(r.rule, r.method) for r in found}) == len(found)
    assert all(isinstance(r, Route) and r.method not in ("HEAD", "OPTIONS") for r in found)


def test_a_known_failure_forgives_only_its_own_error_in_its_own_file():
    entry = Known("hub", "*", "sync/hub/auth.py", "ValueError", "int", "F4 a timestamp in other digits")
    route = Route("hub_content.offer", "/sync/v1/content", "GET", ())
    assert entry.matches("hub", route, "sync/hub/auth.py", ValueError("invalid literal for int() with base 10"))
    assert not entry.matches("hub", route, "sync/hub/api.py", ValueError("invalid literal for int() with base 10"))
    assert not entry.matches("hub", route, "sync/hub/auth.py", TypeError("int"))
    assert not entry.matches("kiosk", route, "sync/hub/auth.py", ValueError("int"))
