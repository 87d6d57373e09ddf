"""Every kiosk setting, declared once as data: name, default and a line of help.

A setting can come from the app factory's test_config, then from a RELAIS_<NAME> environment
variable, then from this default. The README's settings table lists the same names (a test checks).
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS = [
    Setting("CONTENT_DIR", "content", "Folder of courses the kiosk serves."),
    Setting("DATA_DIR", "data", "Folder for the database, resized pictures and the kiosk's secrets."),
    Setting("DEFAULT_LANGUAGE", "fr", "Language used when neither the learner nor the browser chooses one."),
    Setting("IDLE_MINUTES", 10, "Minutes without activity before a learner is logged out."),
    Setting("KIOSK_NAME", "Relais", "Name shown at the top of every page."),
    Setting("CENTRE_NAME", "", "Name of the centre, printed on certificates and reports."),
    Setting("PIN_MAX_TRIES", 5, "Wrong PINs in a row before that learner must wait."),
    Setting("PIN_LOCK_MINUTES", 5, "How long a learner waits after too many wrong PINs."),
    Setting("KIOSK_PIN_LIMIT", 30, "Wrong PINs per minute on the whole kiosk before everyone must wait."),
]


def resolve(overrides: dict | None = None) -> dict:
    """The value of each setting, with its type taken from the default."""
    overrides = overrides or {}
    values = {}
    for setting in SETTINGS:
        if setting.name in overrides:
            values[setting.name] = overrides[setting.name]
            continue
        raw = os.environ.get(f"RELAIS_{setting.name}")
        values[setting.name] = setting.default if raw is None else _typed(setting.default, raw)
    return values


def _typed(default, raw: str):
    """An environment value converted like the default ('0.5' minutes is allowed)."""
    if isinstance(default, int):
        number = float(raw)
        return int(number) if number.is_integer() else number
    return type(default)(raw)
