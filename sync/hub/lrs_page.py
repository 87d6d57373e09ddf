"""The hub's page on forwarding to the funder's Learning Record Store: where to, sent, waiting, the last error.

Only national administrators see it: the forwarder sends every centre's statements.
"""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from . import lrs_forwarder
from .signed_in import current_scope, login_required
from .xapi import iso

bp = Blueprint("hub_lrs", __name__, template_folder="templates")
# What each of the forwarder's reason codes says to a facilitator (the forwarder keeps the code and a detail).
REASONS = {lrs_forwarder.UNREACHABLE: _l("The LRS could not be reached (%(detail)s)."),
           lrs_forwarder.ANSWERED: _l("The LRS answered HTTP %(detail)s."),
           lrs_forwarder.REFUSED: _l("The LRS refused this statement: %(detail)s")}


def init_app(app) -> None:
    app.register_blueprint(bp)


def _target():
    """The configured LRS, and what is wrong with its settings ("" when nothing)."""
    try:
        return lrs_forwarder.target_from(current_app.config), ""
    except ValueError as error:
        return None, str(error)


def _refused():
    scope = current_scope()
    if not scope.national or scope.read_only:
        return _("Only a national administrator sees the forwarding to the funder's LRS."), 403
    return None


def said(reason: str, detail: str) -> str:
    """A reason code and its detail as the facilitator reads it, in their language ("" for none)."""
    return str(REASONS[reason]) % {"detail": detail} if reason in REASONS else (detail or reason)


@bp.get("/lrs")
@login_required
def page():
    refused = _refused()
    if refused:
        return refused
    target, problem = _target()
    progress = lrs_forwarder.peek()
    moments = {name: iso(value) if value else "" for name, value in
               (("last_try", progress.last_try), ("last_success", progress.last_success),
                ("next_try", progress.next_try))}
    aside = [dict(entry, said=said(entry["reason"], entry["detail"])) for entry in progress.set_aside[-50:]]
    return render_template("hub/lrs.html", target=target, problem=problem, progress=progress, moments=moments,
                           waiting=lrs_forwarder.waiting(progress), aside=aside,
                           last_error=said(progress.last_error, progress.last_detail))


@bp.post("/lrs/retry")
@login_required
def retry():
    """Send the statements set aside again at the forwarder's next step (after the LRS or the hub was mended)."""
    refused = _refused()
    if refused:
        return refused
    lrs_forwarder.ask_retry()
    return redirect(url_for(".page"))
