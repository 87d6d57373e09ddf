"""The password prompt of both command lines (`relais create-facilitator`, `relais hub create-facilitator`)."""
from __future__ import annotations

import getpass
import sys

import click

from .accounts import MIN_PASSWORD


def ask_password() -> str:
    """A new password: asked twice on a terminal, one line read from a pipe; refused if too short."""
    if sys.stdin.isatty():
        password = getpass.getpass(f"Password ({MIN_PASSWORD} characters or more): ")
        if getpass.getpass("The same password again: ") != password:
            raise click.ClickException("the two passwords are not the same.")
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"the password must have at least {MIN_PASSWORD} characters.")
    return password
