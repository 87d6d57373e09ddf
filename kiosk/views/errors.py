"""Error pages in the learner's language, including a refused form (CSRF)."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("error.html", title=_("This page was too old"),
                               message=_("For your safety, the form was not sent. Please go back, "
                                         "reload the page and try again.")), 400

    @app.errorhandler(404)
    def not_found(error):
        return render_template("error.html", title=_("Page not found"),
                               message=_("This page does not exist. Use the buttons above to go back "
                                         "to your courses.")), 404

    @app.errorhandler(400)
    def bad_request(error):
        return render_template("error.html", title=_("Something was not right"),
                               message=_("The kiosk could not understand this request. Please go back "
                                         "and try again.")), 400

    @app.errorhandler(413)
    def too_large(error):
        return render_template("error.html", title=_("Too large"),
                               message=_("What you sent is too large for the kiosk.")), 413
