"""The password prompt of both command lines (`relais create-facilitator`, `relais hub create-facilitator`)."""
from __future__ import annotations

import getpass
import sys

import click

from . import credentials
from .accounts import MIN_PASSWORD


def ask_password(name: str) -> str:
    """A new password for the account `name`: asked twice on a terminal, one line read from a pipe; refused
    if too short, or if the name or it hold what a sign-in form refuses (NUL, tab, far too long)."""
    if sys.stdin.isatty():
        password = getpass.getpass(f"Password ({MIN_PASSWORD} characters or more): ")
        if getpass.getpass("The same password again: ") != password:
            raise click.ClickException("the two passwords are not the same.")
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"the password must have at least {MIN_PASSWORD} characters.")
    problem = credentials.account_problem(name, password)
    if problem:
        raise click.ClickException(problem)
    return password
