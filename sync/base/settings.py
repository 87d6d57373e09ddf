"""Settings declared as data (name, default, one line of help) and the one way they are resolved.

A setting comes from the given overrides (the app factory's config), then from a RELAIS_<NAME>
environment variable, then from its default. The environment's text is typed like the default.
Both applications declare their lists with this (kiosk/settings.py, sync/hub/settings.py) and the
README's settings table lists every name (a test checks).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

PREFIX = "RELAIS_"


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


def value(setting: Setting, overrides: Mapping | None = None):
    """One setting's value: overrides, else the environment (typed like the default), else the default."""
    if overrides is not None and setting.name in overrides:
        return overrides[setting.name]
    raw = os.environ.get(PREFIX + setting.name)
    return setting.default if raw is None else typed(setting.default, raw)


def resolve(settings: list[Setting], overrides: Mapping | None = None) -> dict:
    """Every setting of a list, by name."""
    return {setting.name: value(setting, overrides) for setting in settings}


def lookup(settings: list[Setting], name: str, overrides: Mapping | None = None):
    """The value of the setting called `name` (KeyError if no such setting is declared)."""
    for setting in settings:
        if setting.name == name:
            return value(setting, overrides)
    raise KeyError(name)


def typed(default, raw: str):
    """Environment text converted like the default: '0.5' minutes is allowed, folders split on ':'."""
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        number = float(raw)
        return int(number) if number.is_integer() else number
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, (tuple, list)):
        return tuple(part for part in raw.split(os.pathsep) if part)
    return raw
