"""The hub's Set aside page: the events kiosks sent that the hub kept aside, and why, in plain words."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l

from sync.wire import protocol

from . import set_aside
from .signed_in import current_scope, login_required

bp = Blueprint("hub_set_aside", __name__, template_folder="templates")

REASON_WORDS = {
    "too_large": _l("too large"),
    "bad_text": _l("unreadable characters (control characters or broken text)"),
    "too_deep": _l("nested too deeply"),
    "bad_number": _l("a number out of range"),
    "bad_value": _l("a value of the wrong kind"),
    "bad_fields": _l("fields missing or unexpected"),
    "bad_hlc": _l("an unreadable clock reading"),
    "bad_learner": _l("an unreadable learner number"),
    "unknown_type": _l("a kind of record this hub does not know (the hub may need an update)"),
    "not_your_learner": _l("about a learner of another centre"),
    "unstorable": _l("the hub's database refused it"),
}
OTHER_REASON = _l("another reason")


def init_app(app) -> None:
    app.register_blueprint(bp)


def reason_words(code: str) -> str:
    return str(REASON_WORDS.get(code, OTHER_REASON))


@bp.get("/set-aside")
@login_required
def listing():
    kiosk = request.args.get("kiosk", "").strip() or None
    if kiosk is not None and not protocol.valid_uuid(kiosk):
        abort(404)                              # no kiosk has that id
    rows = set_aside.listing(current_scope(), kiosk_id=kiosk)     # another centre's kiosk: nothing, as an unknown one
    for row in rows:
        row["words"] = reason_words(row["reason"])
    return render_template("hub/set_aside.html", rows=rows, kiosk=kiosk, limit=set_aside.LISTED)
