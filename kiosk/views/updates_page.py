"""The facilitator's page for course updates from the hub: what is offered, progress, pause, data used."""
from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from sync.client.meter import MB, parse_window

from .. import syncing
from ..models import KioskSetting
from .facilitator import facilitator_required

bp = Blueprint("updates_page", __name__, url_prefix="/facilitator/updates")


def init_app(app) -> None:
    app.register_blueprint(bp)


# Plain words for the codes sync/updates stores; the PackError message itself follows, translated.
PROBLEMS = {
    "refused": _l("The hub offered courses that this kiosk refused, so they were not installed."),
    "damaged": _l("A file from the hub was damaged, so the new courses were not installed."),
    "install_failed": _l("The new courses could not be installed."),
}


def _updates():
    return current_app.extensions.get("content_updates")


def size(count: int | float | None) -> str:
    """Bytes in the unit a person reads: kB under a megabyte, MB above."""
    count = count or 0
    if count < 1024 * 1024:
        return _("%(n)s kB", n=format_decimal(round(count / 1024, 1)))
    return _("%(n)s MB", n=format_decimal(round(count / (1024 * 1024), 1)))


def duration(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    minutes = max(1, round(seconds / 60))
    if minutes < 120:
        return ngettext("about %(num)s minute", "about %(num)s minutes", minutes)
    hours = round(minutes / 60)
    return ngettext("about %(num)s hour", "about %(num)s hours", hours)


@bp.get("/")
@facilitator_required
def status():
    return _page()


def _page(errors: dict | None = None, status: int = 200):
    updates = _updates()
    if updates is None:
        return render_template("facilitator/updates.html", info=None, size=size)
    info = updates.status(current_app.extensions["sync_meter"])
    error = info["state"]["error"]
    problem = None
    if error:
        problem = {"summary": PROBLEMS.get(error["code"], ""), "reason": _(error["message"], **error["params"])}
    start, end = (_hhmm(minutes) for minutes in info["window"]) if info["window"] else ("", "")
    window_text = f"{start}–{end}" if start else None
    offer = info["offer"]
    form = request.form if errors else {
        "budget": format_decimal(round(info["budget"] / MB, 1)) if info["budget"] else "0",
        "window_from": start, "window_to": end}
    return render_template("facilitator/updates.html", info=info, offer=offer, problem=problem, size=size,
                           eta=duration(offer["eta"]) if offer else None, window_text=window_text,
                           errors=errors or {}, form=form), status


def _hhmm(minutes: int) -> str:
    return "%02d:%02d" % divmod(minutes, 60)


TIME = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")


@bp.post("/link")
@facilitator_required
def link_settings():
    """The daily budget and the hours of a metered link, set by the facilitator (kept in the database)."""
    errors = {}
    raw_budget = request.form.get("budget", "").strip().replace(",", ".").replace("\u202f", "").replace(" ", "")
    try:
        budget = float(raw_budget or "0")
        if not 0 <= budget <= 100_000:
            raise ValueError
    except ValueError:
        errors["budget"] = _("Please give a number of megabytes, 0 or more (0: no limit).")
    start, end = request.form.get("window_from", "").strip(), request.form.get("window_to", "").strip()
    window = ""
    if start or end:
        if not (TIME.match(start) and TIME.match(end)) or start == end:
            errors["window"] = _("Please give two different times, such as 20:00 and 07:00, or leave both empty.")
        else:
            window = f"{start}-{end}"
    if errors:
        return _page(errors, 400)
    for key, value in (("SYNC_DAILY_BUDGET_MB", budget), ("SYNC_WINDOW", window)):
        KioskSetting.insert(key=key, value=value).on_conflict_replace().execute()
    meter = current_app.extensions["sync_meter"]
    meter.budget, meter.window = int(budget * MB), parse_window(window)
    flash(_("The link settings were saved."), "ok")
    return redirect(url_for(".status"))


@bp.post("/pause")
@facilitator_required
def pause():
    if _updates() is not None:
        _updates().pause()
        flash(_("The download is paused. Nothing fetched so far is lost."))
    return redirect(url_for(".status"))


@bp.post("/resume")
@facilitator_required
def resume():
    if _updates() is not None:
        _updates().resume()
        syncing.sync_now(current_app)
        flash(_("The download goes on where it stopped."))
    return redirect(url_for(".status"))


@bp.post("/check")
@facilitator_required
def check():
    """Ask the hub now (also after a refusal: the problem is forgotten and the offer read again)."""
    if _updates() is not None:
        _updates().retry()
        if syncing.sync_now(current_app) is None:
            flash(_("This kiosk is not linked to a hub yet."), "error")
        else:
            flash(_("The kiosk is asking the hub. Reload this page in a moment to see the result."))
    return redirect(url_for(".status"))
