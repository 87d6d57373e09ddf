"""The facilitator signed in on this request and their scope, bound to the request, and the read-only rule.

Every page reads the scope through `current_scope()`; the read-only rule is one hook on the whole app, so
a page added later is covered without a word: a read-only account's POST is refused with a 403 before any
view runs (signing in and out excepted). Kiosks' routes (/sync/…) sign their requests with kiosk keys
and carry no facilitator: the hook leaves them alone.
"""
from __future__ import annotations

import functools

from flask import Response, current_app, g, redirect, request, session, url_for
from flask_babel import gettext as _

from . import auth, scopes
from .models import Facilitator

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
ALWAYS_ALLOWED = {"hub.login", "hub.logout"}
KIOSK_PATHS = "/sync/"


def init_app(app) -> None:
    app.before_request(refuse_changes_from_read_only)
    app.context_processor(lambda: {"hub_scope": current_scope})     # templates hide forms a funder cannot send


def current_facilitator() -> Facilitator | None:
    """The facilitator signed in on this browser: their session row must still be in the database."""
    if "hub_facilitator" not in g:
        g.hub_facilitator = auth.session_account(session.get("hub_token"),
                                                 current_app.config["FACILITATOR_IDLE_MINUTES"])
    return g.hub_facilitator


def current_scope() -> scopes.Scope:
    """What the signed-in facilitator may see (NOBODY when no one is signed in)."""
    if "hub_scope" not in g:
        g.hub_scope = scopes.scope_of(current_facilitator())
    return g.hub_scope


def use_account(account: Facilitator | None) -> None:
    """Bind an account authenticated another way (xAPI's HTTP Basic) to this request."""
    g.hub_facilitator = account
    g.pop("hub_scope", None)


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_facilitator() is None:
            return redirect(url_for("hub.login", next=request.path))
        return view(*args, **kwargs)
    return wrapped


def refuse_changes_from_read_only():
    if request.method in SAFE_METHODS or request.path.startswith(KIOSK_PATHS) \
            or request.endpoint in ALWAYS_ALLOWED or "hub_token" not in session:
        return None
    if current_facilitator() is not None and current_scope().read_only:
        return Response(_("This account can read the hub's pages but not change anything."), 403,
                        mimetype="text/plain")
    return None
