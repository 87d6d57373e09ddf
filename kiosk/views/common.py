"""What every page needs: the current learner, a login guard, and helpers for templates."""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import current_app, g, redirect, request, session, url_for
from flask_babel import format_date

from .. import sessions
from ..i18n import LANGUAGES, direction, request_language
from ..learners import DEFAULT_PREFS, PICTURE_NAMES, PICTURES

STATIC = Path(__file__).resolve().parent.parent / "static"
_static_versions: dict[str, str] = {}


def load_request_learner() -> None:
    g.learner = None
    if request.endpoint == "static" or (request.endpoint or "").startswith("media."):
        return
    g.learner = sessions.load_learner()


def learner_required(view):
    """Send anyone who is not logged in back to 'Who is learning?'."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("learner") is None:
            return redirect(url_for("learners.who", expired=1 if g.get("session_expired") else None))
        return view(*args, **kwargs)
    return wrapped


def static_url(filename: str) -> str:
    """A URL that changes with the file's content, so browsers may cache it for a year."""
    if filename not in _static_versions or current_app.debug:
        digest = hashlib.sha256((STATIC / filename).read_bytes()).hexdigest()[:10]
        _static_versions[filename] = digest
    return url_for("static", filename=filename, v=_static_versions[filename])


def prefs() -> dict:
    return prefs_of(g.get("learner"), session)


def prefs_of(learner, session_data) -> dict:
    """The display settings a page is drawn with: the learner's, or a visitor's kept in their session."""
    return dict(DEFAULT_PREFS, **(learner.prefs if learner else sessions.visitor_prefs_in(session_data)))


def page_classes(chosen: dict | None = None) -> str:
    p = chosen or prefs()
    classes = [f"text-{p['text_size']}"]
    if p["contrast"]:
        classes.append("contrast")
    if p["reduced_motion"]:
        classes.append("reduce-motion")
    return " ".join(classes)


_by_locale: dict[str, dict] = {}


def template_helpers() -> dict:
    """What templates use: the parts fixed for a language made once per language, the rest per request."""
    locale = request_language()
    fixed = _by_locale.get(locale) or _by_locale.setdefault(locale, _fixed_helpers(locale))
    chosen = prefs()
    return dict(fixed, learner=g.get("learner"), prefs=chosen, page_classes=page_classes(chosen),
                kiosk_name=current_app.config["KIOSK_NAME"], idle_minutes=current_app.config["IDLE_MINUTES"])


def _fixed_helpers(locale: str) -> dict:
    return {"static_url": static_url, "lang": locale, "dir": direction(locale), "languages": LANGUAGES,
            "pictures": PICTURES, "picture_names": PICTURE_NAMES, "format_date": format_date,
            "direction": direction}
