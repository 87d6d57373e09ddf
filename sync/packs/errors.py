"""The one error a pack operation raises, with a message a facilitator can act on."""
from __future__ import annotations


def _l(message: str) -> str:
    """Mark a message for translation without translating it here.

    This layer knows nothing of Flask; `make extract-messages` collects `_l(...)` strings and the
    facilitator page translates them when it shows the error. The command line prints them in English.
    """
    return message


class PackError(Exception):
    """A pack was refused or could not be made: what is wrong and what to do, in plain words."""

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message = message          # the untranslated template, for the web page's gettext
        self.params = params
