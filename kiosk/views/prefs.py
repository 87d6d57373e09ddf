"""A learner's preferences: text size, contrast, motion, read-aloud and language.

The first screens offer some of them (learners.FIRST_SCREEN_PREFS) before any card is picked: they are
kept in the browser's session and a new card starts with them. Each preference is read from a form the
same way, by `read_form`, from the list of names a form offers.
"""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from sync.base import next_page

from .. import learners, roaming, sessions
from ..i18n import known_language
from .common import learner_required

bp = Blueprint("prefs", __name__)

LABELS = {          # what each preference is called on its form; a toggle's label says what "on" does
    "text_size": _l("Text size"),
    "contrast": _l("High contrast (white text on black)"),
    "reduced_motion": _l("Less movement on screen"),
    "read_aloud": _l("Show the “Listen” buttons"),
    "easy_read": _l("Easy to read: lessons in short, simple sentences, when they have it"),
}


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.context_processor(lambda: {"pref_labels": LABELS, "first_screen_prefs": learners.FIRST_SCREEN_PREFS,
                                   "pref_choices": learners.PREF_CHOICES})


def read_form(form, names) -> dict:
    """The preferences `names` as a form sent them: a choice not offered is the default, a box not sent is off."""
    changes = {}
    for name in names:
        default = learners.DEFAULT_PREFS[name]
        if name in learners.PREF_CHOICES:
            value = form.get(name, type=int)
            changes[name] = value if value in learners.PREF_CHOICES[name] else default
        elif isinstance(default, bool):
            changes[name] = form.get(name) == "1"
    return changes


@bp.route("/preferences", methods=["GET", "POST"])
@learner_required
def preferences():
    if request.method == "POST":
        changes = read_form(request.form, ("text_size", "contrast", "reduced_motion", "read_aloud",
                                             "easy_read"))
        changes["language"] = known_language(request.form.get("language"))      # unknown: the kiosk's default
        learners.update_prefs(g.learner, changes)
        if request.form.get("travel_shown") == "1":      # the card's travel choice (kiosk/roaming.py)
            roaming.keep_here(g.learner, request.form.get("local_only") == "1")
        return redirect(url_for(".preferences", saved=1))
    return render_template("prefs/preferences.html", saved=request.args.get("saved") == "1",
                           sizes=learners.PREF_CHOICES["text_size"])


@bp.post("/display")
def first_screens():
    """Text size and contrast chosen before picking a card (on a card, they are the card's own)."""
    changes = read_form(request.form, learners.FIRST_SCREEN_PREFS)
    if g.learner is not None:
        learners.update_prefs(g.learner, changes)
    else:
        sessions.set_visitor_prefs(changes)
    return redirect(next_page.local_path(request.form.get("next"), url_for("learners.who")))
