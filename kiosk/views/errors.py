"""Error pages in the learner's language, including a refused form (CSRF)."""
from __future__ import annotations

import functools

import peewee
from flask import current_app, g, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from sync.client.outbox import Refused

from .. import sessions


def _chain(error: BaseException):
    """The error and the ones it was raised while handling (a failed commit, then its rollback)."""
    while error is not None:
        yield error
        error = error.__context__


def _as_the_learner(handler):
    """A refusal made before the learner was read (the CSRF check runs first, and reads the form), or on
    a media file (those requests skip the learner), is still in the learner's language, with their name."""
    @functools.wraps(handler)
    def wrapped(error):
        if g.get("learner") is None:
            try:
                g.learner = sessions.load_learner()
            except peewee.DatabaseError:
                g.learner = None
            refresh()                      # the language may have been chosen already, without the learner
        return handler(error)
    return wrapped


# A plain refusal: its title and message, in the learner's language, and whether the response keeps
# werkzeug's headers (Allow on a 405, Content-Range on a 416).
PAGES = {
    CSRFError: (_l("This page was too old"),
                _l("For your safety, the form was not sent. Please go back, reload the page and try again."),
                False),
    404: (_l("Page not found"),
          _l("This page does not exist. Use the buttons above to go back to your courses."), False),
    400: (_l("Something was not right"),
          _l("The kiosk could not understand this request. Please go back and try again."), False),
    413: (_l("Too large"), _l("What you sent is too large for the kiosk."), False),
    405: (_l("This page cannot be used this way"),
          _l("The kiosk cannot do this here. Please go back and use the buttons on the page."), True),
}
PROBLEM = (_l("The kiosk had a problem"),
           _l("Please go back and try again. If it happens again, please tell a facilitator."))


def init_app(app) -> None:
    app.register_error_handler(peewee.OperationalError, storage_error)
    app.register_error_handler(Refused, refused)
    for refusal in PAGES:
        app.register_error_handler(refusal, _as_the_learner(plain_refusal))
    app.register_error_handler(HTTPException, _as_the_learner(other_error))


def _page(title, message, code: int, headers=()):
    return render_template("error.html", title=title, message=message), code, list(headers)


def storage_error(error):
    """The SD card is full or failing: say so plainly; what was saved before stays saved."""
    current_app.logger.warning("database write failed: %s", error)
    if any("full" in str(e).lower() for e in _chain(error)):
        return _page(_("The kiosk’s memory is full"),
                     _("Your last step could not be saved because the kiosk has no "
                       "space left. You can keep reading. Please tell a facilitator."), 507)
    return _page(_("The kiosk is busy"),
                 _("Your last step could not be saved. Please wait a moment and try again."), 503)


def refused(error):
    """A change whose event the hub would refuse: it was rolled back whole, say so instead of a 500."""
    current_app.logger.warning("change not saved: %s", error)
    return _page(_("This could not be saved"),
                 _("The kiosk could not keep what was sent, so nothing was changed. "
                   "Please go back and try again, or tell a facilitator."), 422)


def plain_refusal(error):
    """One of PAGES: a refused form (CSRF, always 400), a missing page, a bad or too large request."""
    code = 400 if isinstance(error, CSRFError) else error.code
    title, message, keep_headers = PAGES[CSRFError if isinstance(error, CSRFError) else code]
    return _page(title, message, code, _kept_headers(error) if keep_headers else ())


def other_error(error):
    """Every other refusal (a Range past the end of a file, a header too large…) on a kiosk page too."""
    if error.code is None or error.code < 500:
        title, message, _keep = PAGES[400]
        return _page(title, message, error.code or 400, _kept_headers(error))
    return _page(*PROBLEM, error.code)


def _kept_headers(error: HTTPException) -> list[tuple[str, str]]:
    """The headers werkzeug's own page would carry (Allow on a 405, Content-Range on a 416), not its type."""
    return [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
