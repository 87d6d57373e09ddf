"""What a facilitator's name and password may hold, one rule for the kiosk's and the hub's forms, the
hub's Basic auth and both command lines.

PostgreSQL refuses text holding NUL (an error at execute time, a 500 if nothing stops it first), and
no person types a control character or a 5,000-character name: such input is refused before it
reaches a query or the password hash, whatever the database. A refusal here is not a wrong password
and does not count against the account.
"""
from __future__ import annotations

import re

MAX_NAME = 200
MAX_PASSWORD = 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")       # C0 controls (NUL, tab, newline…) and DEL


def name_problem(name: str) -> str | None:
    """Why a name cannot be an account's name, in English for the command line; None when it can."""
    if _CONTROL.search(name):
        return "a name cannot hold control characters (such as NUL, tab or newline)."
    if len(name) > MAX_NAME:
        return f"a name has at most {MAX_NAME} characters."
    return None


def password_problem(password: str) -> str | None:
    """Why a text cannot be a password, in English for the command line; None when it can."""
    if _CONTROL.search(password):
        return "a password cannot hold control characters (such as NUL, tab or newline)."
    if len(password) > MAX_PASSWORD:
        return f"a password has at most {MAX_PASSWORD} characters."
    return None


def account_problem(name: str, password: str) -> str | None:
    """Why this name and password cannot make or change an account (for the command lines); None when they can."""
    return name_problem(name.strip()) or password_problem(password)


def well_formed(name, password) -> bool:
    """True when both are text a person could have typed into a sign-in form."""
    return (isinstance(name, str) and isinstance(password, str)
            and name_problem(name) is None and password_problem(password) is None)
