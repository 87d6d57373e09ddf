"""The hub's page on forwarding to the funder's Learning Record Store: where to, sent, waiting, the last error.

Only national administrators see it: the forwarder sends every centre's statements.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _

from . import lrs_forwarder
from .signed_in import current_scope, login_required
from .xapi import iso

bp = Blueprint("hub_lrs", __name__, template_folder="templates")


def init_app(app) -> None:
    app.register_blueprint(bp)


def _target():
    """The configured LRS, and what is wrong with its settings ("" when nothing)."""
    try:
        return lrs_forwarder.target_from(current_app.config), ""
    except ValueError as error:
        return None, str(error)


@bp.get("/lrs")
@login_required
def page():
    scope = current_scope()
    if not scope.national or scope.read_only:
        return _("Only a national administrator sees the forwarding to the funder's LRS."), 403
    target, problem = _target()
    progress = lrs_forwarder.peek()
    moments = {name: iso(value) if value else "" for name, value in
               (("last_try", progress.last_try), ("last_success", progress.last_success),
                ("next_try", progress.next_try))}
    return render_template("hub/lrs.html", target=target, problem=problem, progress=progress, moments=moments,
                           waiting=lrs_forwarder.waiting(progress))
