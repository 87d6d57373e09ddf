"""The hub's pages for who sees what: facilitators and their scopes, centres and their regions.

An administrator creates facilitators and gives access only within their own scope, and places only
their own (or new) centres in their own regions (the rules are in scopes.py). Everyone signed in sees
the facilitators and centres inside their scope; a read-only account's forms are not shown, and its
POSTs are refused before they reach this module (signed_in.py).
"""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from sync.base import credentials

from . import auth, scopes
from .models import Facilitator
from .signed_in import current_scope, login_required

bp = Blueprint("hub_access", __name__, template_folder="templates")


def init_app(app) -> None:
    app.register_blueprint(bp)


def _visible_facilitators(scope: scopes.Scope) -> list[tuple[Facilitator, scopes.Scope]]:
    """The accounts whose whole scope lies within `scope`, by name, each with its scope."""
    rows = [(account, scopes.scope_of(account)) for account in Facilitator.select().order_by(Facilitator.name)]
    return [(account, theirs) for account, theirs in rows if not theirs.empty and not scopes.outside(scope, theirs)]


def _asked_scope() -> scopes.Scope:
    form = request.form
    return scopes.wanted(form.get("national") == "yes", form.getlist("region"), form.getlist("centre"),
                         form.get("read_only") == "yes")


def _create_or_regrant(scope: scopes.Scope) -> str:
    """Create the account the form names, or give an existing one a new scope; the message for the page."""
    name, password = request.form.get("name", "").strip(), request.form.get("password", "")
    asked = _asked_scope()
    scopes.check_grant(scope, asked)
    account = Facilitator.get_or_none(Facilitator.name == name) if not credentials.name_problem(name) else None
    if account is None:
        problem = credentials.account_problem(name, password)
        if problem:
            raise ValueError(problem)
        auth.create_facilitator(name, password, asked)
        return _("Facilitator %(name)s can now sign in.", name=name)
    if request.form.get("password"):
        raise ValueError(_("A facilitator called %(name)s already exists: leave the password empty to change "
                           "their access only.", name=name))
    scopes.check_grant(scope, scopes.scope_of(account))      # only someone holding all they reach may change it
    scopes.give(account, asked)
    return _("Facilitator %(name)s's access is changed.", name=name)


@bp.route("/facilitators", methods=["GET", "POST"])
@login_required
def facilitators():
    scope, message, error = current_scope(), None, None
    if request.method == "POST":
        try:
            message = _create_or_regrant(scope)
        except scopes.ScopeRefused as refused:
            error = _(refused.message, **refused.params)
        except ValueError as refused:
            error = str(refused)
    return render_template("hub/facilitators.html", rows=_visible_facilitators(scope), scope=scope,
                           regions=scopes.known_regions(scope), centres=scopes.known_centres(scope),
                           message=message, error=error), (400 if error else 200)


@bp.route("/centres", methods=["GET", "POST"])
@login_required
def centres():
    scope, message, error = current_scope(), None, None
    if request.method == "POST":
        centre, region = request.form.get("centre", "").strip(), request.form.get("region", "").strip()
        try:
            scopes.set_region(scope, centre, region)
            message = (_("%(centre)s is now in region %(region)s.", centre=centre, region=region) if region
                       else _("%(centre)s is now in no region.", centre=centre))
        except scopes.ScopeRefused as refused:
            error = _(refused.message, **refused.params)
    names = scopes.known_centres(scope)
    return render_template("hub/centres.html", centres=names, regions_of=scopes.regions_of(names), scope=scope,
                           regions=scopes.known_regions(scope), message=message, error=error), (400 if error else 200)
