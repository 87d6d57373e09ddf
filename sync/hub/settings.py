"""Every hub setting, declared as data like the kiosk's (resolved by sync.base.settings: the factory's
config, then RELAIS_<NAME> in the environment, then the default). The README lists them all."""
from __future__ import annotations

from sync.base.settings import Setting
from sync.base.settings import resolve as _resolve

SETTINGS = [
    Setting("HUB_DATA_DIR", "", "Folder for hub.sqlite3 when the hub runs on SQLite (the hub command's default: hub-data)."),
    Setting("DATABASE_URL", "", "postgresql://user:password@host/db to run the hub on PostgreSQL (plain DATABASE_URL in the environment works too)."),
    Setting("HUB_URL", "", "The hub's public address, the start of every xAPI statement's IRIs (the hub command's --public-url; unset: https://relais.invalid)."),
    Setting("LRS_URL", "", "The funder's Learning Record Store, e.g. https://lrs.example/xapi: the hub sends it every statement (--lrs-url; empty: none)."),
    Setting("LRS_USERNAME", "", "The user name (key) the hub gives the LRS with HTTP Basic (--lrs-username)."),
    Setting("LRS_PASSWORD", "", "The password (secret) for the LRS; only from the environment or --lrs-password-file, never printed."),
    Setting("LRS_BATCH", 100, "Events whose statements go to the LRS in one request."),
    Setting("LRS_INTERVAL", 30, "Seconds between two looks for new statements to send to the LRS."),
    Setting("LRS_BACKOFF_CAP", 900, "Longest wait, in seconds, between two tries when the LRS fails."),
    Setting("HUB_MAX_INGESTS", 4, "Uploads one hub process takes at once before answering 503 (busy, try later)."),
    Setting("HUB_CONTENT_DIR", "", "Folder for published packs' files and trusted keys (empty: the hub's data folder)."),
    Setting("SERVER_CONNECTION_LIMIT", 1000, "Connections the hub holds at once, finished requests or not (waitress's own default, 100, lets one client stall it)."),
    Setting("SERVER_CHANNEL_TIMEOUT", 60, "Seconds a connection may stay silent, mid-request or idle, before the hub closes it (kiosks on thin links pause)."),
    Setting("FACILITATOR_IDLE_MINUTES", 30, "Minutes without use before a facilitator's session on the hub ends."),
]


def resolve(overrides: dict | None = None) -> dict:
    return _resolve(SETTINGS, overrides)
