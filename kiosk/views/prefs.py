"""A learner's preferences: text size, contrast, motion, read-aloud and language."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from .. import learners
from ..i18n import known_language
from .common import learner_required

bp = Blueprint("prefs", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.route("/preferences", methods=["GET", "POST"])
@learner_required
def preferences():
    if request.method == "POST":
        form = request.form
        size = form.get("text_size", type=int)
        learners.update_prefs(g.learner, {
            "text_size": size if size in learners.PREF_CHOICES["text_size"] else 100,
            "contrast": form.get("contrast") == "1",
            "reduced_motion": form.get("reduced_motion") == "1",
            "read_aloud": form.get("read_aloud") == "1",
            "language": known_language(form.get("language")),      # unknown: the kiosk's default
        })
        return redirect(url_for(".preferences", saved=1))
    return render_template("prefs/preferences.html", saved=request.args.get("saved") == "1",
                           sizes=learners.PREF_CHOICES["text_size"])
