"""A facilitator's new password, one rule for the kiosk and the hub: every session of the account ends
with the old password, in the same transaction, so a cookie copied before the change opens nothing.

The lockout is left as it is: a new password does not stop someone who was guessing the old one.
"""
from __future__ import annotations

import peewee
from werkzeug.security import generate_password_hash

from . import credentials, facilitator_sessions
from .accounts import MIN_PASSWORD


def change_password(model: type[peewee.Model], session_model: type[peewee.Model], name: str,
                    password: str) -> int:
    """Give the account called `name` a new password and end all its sessions; how many were ended.

    ValueError, with a message for a person, for an unknown name or a password that cannot be one.
    """
    name = (name or "").strip()
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must have at least {MIN_PASSWORD} characters.")
    problem = credentials.password_problem(password)
    if problem:
        raise ValueError(problem)
    password_hash = generate_password_hash(password)        # hashed before the transaction: it takes time
    with model._meta.database.atomic():
        account = model.get_or_none(model.name == name) if credentials.name_problem(name) is None else None
        if account is None:
            raise ValueError(f"no facilitator is called '{name}'.")
        model.update(password_hash=password_hash).where(model.id == account.id).execute()
        return facilitator_sessions.end_all(session_model, account.id)
