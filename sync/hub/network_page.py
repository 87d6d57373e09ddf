"""The hub's page for networks: centres grouped so that learners' cards travel between their kiosks.

Everyone signed in sees the networks holding one of their centres, and only their own centres in them.
An administrator creates a network, adds one of their own centres to it (only to a network of their
own centres) or takes one out (network.py keeps the rule shared with `relais hub network`).
A read-only account's POSTs never reach this module.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from sync.base import credentials

from . import network, scopes
from .signed_in import current_scope, login_required

bp = Blueprint("hub_networks", __name__, template_folder="templates")


def init_app(app) -> None:
    app.register_blueprint(bp)


def visible_networks(scope: scopes.Scope) -> dict[str, list[str]]:
    """{network: its centres within `scope`}, only for networks holding at least one of them."""
    shown = {name: [c for c in centres if scope.holds_centre(c)] for name, centres in network.listing().items()}
    return {name: centres for name, centres in shown.items() if centres}


def _change(scope: scopes.Scope) -> str:
    """Do what the form asks; the message for the page. ValueError when refused."""
    centre, name = request.form.get("centre", "").strip(), request.form.get("network", "").strip()
    if not centre or credentials.name_problem(centre) or credentials.name_problem(name):
        raise ValueError(_("Name a centre, and a network of at most %(n)s characters.", n=credentials.MAX_NAME))
    if scope.read_only or not scope.holds_centre(centre):
        raise ValueError(_("You can group only your own centres."))
    if request.form.get("action") == "remove":
        network.remove(centre)
        return _("%(centre)s is now in no network.", centre=centre)
    if not name:
        raise ValueError(_("Name a centre, and a network of at most %(n)s characters.", n=credentials.MAX_NAME))
    if not all(scope.holds_centre(c) for c in network.listing().get(name, [])):
        raise ValueError(_("You can add a centre only to a network of your own centres: "
                           "joining another's would bring their learners' cards to your kiosks."))
    network.add(name, [centre])
    return _("%(centre)s is now in network %(network)s.", centre=centre, network=name)


@bp.route("/networks", methods=["GET", "POST"])
@login_required
def networks():
    scope, message, error = current_scope(), None, None
    if request.method == "POST":
        try:
            message = _change(scope)
        except ValueError as refused:
            error = str(refused)
    return render_template("hub/networks.html", networks=visible_networks(scope), scope=scope,
                           centres=scopes.known_centres(scope), message=message, error=error), (400 if error else 200)
