"""The facilitator's sync page on the kiosk: status in plain words, Sync now, enrolment, receipt."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from sync.client import bundles, enrollment, outbox, state

from .. import syncing
from .facilitator import facilitator_required

bp = Blueprint("sync_page", __name__, url_prefix="/facilitator/sync")


def init_app(app) -> None:
    app.register_blueprint(bp)


ERROR_WORDS = {
    "unreachable": _l("The hub could not be reached: the internet connection may be down. The kiosk will try again by itself."),
    "timeout": _l("The hub took too long to answer. The kiosk will try again by itself."),
    "busy": _l("The hub was busy. The kiosk will try again by itself."),
    "hub_error": _l("The hub had a problem. The kiosk will try again by itself."),
    "clock": _l("The kiosk's clock could not be matched with the hub's. The kiosk will try again by itself."),
    "unauthorized": _l("The hub does not recognise this kiosk any more. Ask the hub's administrator for a new enrolment code."),
    "malformed": _l("The hub could not read what this kiosk sent. Relais may need an update on the kiosk or the hub; then press Sync now."),
    "conflict": _l("The hub already holds different records with the same numbers (a kiosk restored from a backup?). Contact your support person; nothing is lost on the kiosk."),
    "too_large": _l("The hub refused the records as too large. Contact your support person; nothing is lost on the kiosk."),
    "no_progress": _l("The hub is missing earlier records from this kiosk. Contact your support person; nothing is lost on the kiosk."),
}


# Why the hub set an event aside, in plain words (reason codes: docs/sync-protocol.md §5).
SET_ASIDE_WORDS = {
    "too_large": _l("too large"),
    "bad_text": _l("unreadable characters"),
    "not_your_learner": _l("belongs to another centre"),
    "unknown_type": _l("a kind of record the hub does not know (the hub may need an update)"),
    "unstorable": _l("the hub could not store it"),
}
SET_ASIDE_DAMAGED = _l("damaged or in an unexpected form")        # too_deep, bad_number, bad_fields, bad_hlc…


def set_aside_summary() -> dict | None:
    """The records the hub set aside, counted per reason in plain words (None when there are none)."""
    counts: dict[str, int] = {}
    for reason, count in state.set_aside_by_reason().items():
        words = str(SET_ASIDE_WORDS.get(reason, SET_ASIDE_DAMAGED))
        counts[words] = counts.get(words, 0) + count
    if not counts:
        return None
    return {"total": sum(counts.values()), "reasons": sorted(counts.items(), key=lambda item: -item[1]),
            "last": state.last_set_aside()}


def _link():
    return enrollment.load(Path(current_app.config["DATA_PATH"]))


@bp.get("/")
@facilitator_required
def status():
    sync_state = state.current()
    error = ERROR_WORDS.get(sync_state.last_error) if sync_state.last_error else None
    sticks = _sticks()
    return render_template("facilitator/sync.html", link=_link(), state=sync_state, error=error,
                           waiting=outbox.pending_count(), identity=outbox.identity(),
                           set_aside=set_aside_summary(), sticks=sticks,
                           receipts=[r for stick in sticks for r in bundles.on_stick(stick, bundles.RECEIPT_SUFFIX)])


@bp.post("/now")
@facilitator_required
def now():
    if syncing.sync_now(current_app) is None:
        flash(_("This kiosk is not linked to a hub yet."), "error")
    else:
        flash(_("Sync started. Reload this page in a moment to see the result."))
    return redirect(url_for(".status"))


@bp.post("/enroll")
@facilitator_required
def enroll():
    hub_url, code = request.form.get("hub_url", ""), request.form.get("code", "")
    if not hub_url.strip() or not code.strip():
        flash(_("Please type the hub's address and the enrolment code."), "error")
        return redirect(url_for(".status"))
    try:
        link = enrollment.enroll(Path(current_app.config["DATA_PATH"]), hub_url, code)
    except enrollment.EnrolError as error:
        flash(_("Enrolment did not work: %(reason)s", reason=str(error)), "error")
        return redirect(url_for(".status"))
    syncing.start_worker(current_app)
    flash(_("This kiosk is now linked to the hub of %(centre)s.", centre=link.centre))
    return redirect(url_for(".status"))


@bp.get("/receipt")
@facilitator_required
def receipt():
    batches = state.last_session_receipts()
    return render_template("facilitator/sync_receipt.html", link=_link(), batches=batches,
                           total_events=sum(b.events for b in batches), total_bytes=sum(b.bytes for b in batches),
                           identity=outbox.identity())


# By USB stick, for a centre with no link (sync/client/bundles.py; docs/sync-protocol.md, "USB bundles").
def _sticks() -> list[Path]:
    return bundles.sticks(current_app.config["PACK_USB_ROOTS"])


@bp.post("/usb/export")
@facilitator_required
def usb_export():
    stick = next((s for s in _sticks() if str(s) == request.form.get("stick")), None)
    if stick is None:
        flash(_("That USB stick is no longer there. Plug it in again and reload this page."), "error")
        return redirect(url_for(".status"))
    data, link = Path(current_app.config["DATA_PATH"]), _link()
    try:
        done = bundles.export(data, stick / bundles.bundle_name(link.kiosk_id if link else "kiosk"))
    except (bundles.BundleError, OSError) as error:
        flash(_("Nothing was written to the stick: %(reason)s", reason=str(error)), "error")
        return redirect(url_for(".status"))
    flash(ngettext("%(num)s record was written to %(file)s, readable by the hub only. Take the stick to the hub, "
                   "then bring back its receipt.", "%(num)s records were written to %(file)s, readable by the hub "
                   "only. Take the stick to the hub, then bring back its receipt.", done.events, file=done.path.name))
    return redirect(url_for(".status"))


@bp.post("/usb/receipt")
@facilitator_required
def usb_receipt():
    found = [r for stick in _sticks() for r in bundles.on_stick(stick, bundles.RECEIPT_SUFFIX)]
    path = next((r for r in found if str(r) == request.form.get("path")), None)
    if path is None:
        flash(_("That receipt is no longer there. Plug the stick in again and reload this page."), "error")
        return redirect(url_for(".status"))
    try:
        done = bundles.apply_receipt(Path(current_app.config["DATA_PATH"]), path)
    except bundles.BundleError as error:
        flash(_("The receipt was refused: %(reason)s", reason=str(error)), "error")
        return redirect(url_for(".status"))
    if done.marked:
        flash(ngettext("The hub acknowledged %(num)s record: it will not be sent again.",
                       "The hub acknowledged %(num)s records: they will not be sent again.", done.marked))
    else:
        flash(_("This receipt was already read: nothing changed."))
    return redirect(url_for(".status"))
