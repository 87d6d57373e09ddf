"""Error pages in the learner's language, including a refused form (CSRF)."""
from __future__ import annotations

import peewee
from flask import current_app, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError


def _chain(error: BaseException):
    """The error and the ones it was raised while handling (a failed commit, then its rollback)."""
    while error is not None:
        yield error
        error = error.__context__


def init_app(app) -> None:
    @app.errorhandler(peewee.OperationalError)
    def storage_error(error):
        """The SD card is full or failing: say so plainly; what was saved before stays saved."""
        current_app.logger.warning("database write failed: %s", error)
        if any("full" in str(e).lower() for e in _chain(error)):
            return render_template("error.html", title=_("The kiosk’s memory is full"),
                                   message=_("Your last step could not be saved because the kiosk has no "
                                             "space left. You can keep reading. Please tell a facilitator.")), 507
        return render_template("error.html", title=_("The kiosk is busy"),
                               message=_("Your last step could not be saved. Please wait a moment and try "
                                         "again.")), 503

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
