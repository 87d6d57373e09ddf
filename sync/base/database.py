"""The database's life in a web app, the same for kiosk and hub: a proxy pointed at one database,
a connection per request, and JSON kept as text."""
from __future__ import annotations

import json

import peewee


class JSONField(peewee.TextField):
    """JSON kept as text, so the same schema works on any SQLite build (and on PostgreSQL)."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def python_value(self, value):
        return None if value is None else json.loads(value)


def repoint(proxy: peewee.DatabaseProxy, database: peewee.Database) -> peewee.DatabaseProxy:
    """Point `proxy` at `database`, closing the one it pointed at (and its pooled connections)."""
    previous = proxy.obj
    if previous is not None:
        if not previous.is_closed():
            previous.close()
        if hasattr(previous, "close_all"):
            previous.close_all()
    proxy.initialize(database)
    return proxy


def connect_per_request(app, proxy: peewee.DatabaseProxy) -> None:
    """Connect for each request and close afterwards, as peewee recommends for web apps."""

    @app.before_request
    def _connect():
        proxy.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not proxy.is_closed():
            proxy.close()


def security_headers(response, csp: str):
    """Headers every page of both applications carries (the caller's own ones win)."""
    response.headers.setdefault("Content-Security-Policy", csp)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
