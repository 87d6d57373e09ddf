"""The kiosk side of sync inside the kiosk's Flask app: background uploader and the facilitator's sync page."""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from flask_babel import lazy_gettext as _l

from kiosk.settings import Setting

from . import backoff, enrollment

log = logging.getLogger("relais.sync")

# Declared like kiosk/settings.py: config key, or RELAIS_<NAME> in the environment, else the default.
SETTINGS = [
    Setting("SYNC_INTERVAL", 60.0, "Seconds between checks for new events to send to the hub."),
    Setting("SYNC_BATCH", 500, "Events per upload to the hub."),
    Setting("SYNC_BACKOFF_CAP", 900.0, "Longest wait, in seconds, between two tries when the hub does not answer."),
    Setting("SYNC_BACKGROUND", "auto", "Push in the background when enrolled: auto (yes, except under TESTING), yes or no."),
    Setting("SYNC_DAILY_BUDGET_MB", 0.0, "Megabytes a day that sync may use, progress and content updates together (0: no limit)."),
    Setting("SYNC_WINDOW", "", "Hours when sync may use the link, for example 20:00-07:00 (empty: any time)."),
    Setting("CONTENT_UPDATES", "yes", "Fetch and install the courses the hub publishes for this kiosk: yes or no."),
    Setting("CONTENT_CHECK_HOURS", 1.0, "Hours between two questions to the hub about new courses (each upload's answer also tells)."),
]


def setting(app, name: str):
    """A sync setting's value, typed like its default; `app` is a Flask app or a config mapping."""
    default = next(s.default for s in SETTINGS if s.name == name)
    config = getattr(app, "config", app)
    if name in config:
        return config[name]
    raw = os.environ.get(f"RELAIS_{name}")
    return default if raw is None else type(default)(raw)


def background_wanted(app) -> bool:
    """SYNC_BACKGROUND: "auto" starts the thread unless the app is testing; yes/true/1 and no/false/0 decide."""
    value = str(setting(app, "SYNC_BACKGROUND")).lower()
    if value in ("auto", "none", ""):
        return not app.testing
    return yes(app, "SYNC_BACKGROUND")


def yes(app, name: str) -> bool:
    return str(setting(app, name)).lower() in ("1", "true", "yes", "on")


LINK_SETTINGS = ("SYNC_DAILY_BUDGET_MB", "SYNC_WINDOW")      # also set on the Course updates page


def meter(app):
    """The metered link's budget and window: from the Course updates page if a facilitator set them
    there, else from the settings (a window it cannot read is ignored, loudly). `app` is a Flask app,
    or a config mapping ({} on the command line: the environment and the page's values)."""
    from kiosk.db import database
    from kiosk.models import KioskSetting

    from .meter import Meter, parse_window

    with database.connection_context():
        saved = {row.key: row.value for row in KioskSetting.select().where(KioskSetting.key.in_(LINK_SETTINGS))}
    budget = saved.get("SYNC_DAILY_BUDGET_MB", setting(app, "SYNC_DAILY_BUDGET_MB"))
    try:
        window = parse_window(str(saved.get("SYNC_WINDOW", setting(app, "SYNC_WINDOW"))))
    except ValueError as error:
        log.error("%s; syncing at any time until it is corrected", error)
        window = None
    return Meter(int(float(budget) * 1024 * 1024), window)


def init_app(app) -> None:
    """Add the sync and content-update pages; start the background sync when the kiosk is enrolled."""
    from . import kiosk_views, updates_views
    from .updates import ContentUpdates

    app.register_blueprint(kiosk_views.bp)
    app.register_blueprint(updates_views.bp)
    app.extensions["sync_meter"] = meter(app)
    app.extensions["content_updates"] = ContentUpdates(
        Path(app.config["DATA_PATH"]), Path(app.config["CONTENT_DIR"]), app.config["DEFAULT_LANGUAGE"],
        check_every=float(setting(app, "CONTENT_CHECK_HOURS")) * 3600) if yes(app, "CONTENT_UPDATES") else None
    app.extensions.setdefault("facilitator_links", []).append(("sync_page.status", _l("Sync")))
    app.extensions["facilitator_links"].append(("updates_page.status", _l("Course updates")))
    app.extensions["sync_status"] = lambda: summary(Path(app.config["DATA_PATH"]))
    if enrollment.load(Path(app.config["DATA_PATH"])) is not None:
        start_worker(app)


def start_worker(app):
    """Start the background thread once per app (see SYNC_BACKGROUND)."""
    if not background_wanted(app):
        return None
    worker = app.extensions.get("sync_worker")
    if worker is not None and worker.is_alive():
        return worker
    from .worker import SyncWorker

    worker = SyncWorker(Path(app.config["DATA_PATH"]), interval=float(setting(app, "SYNC_INTERVAL")),
                        batch_size=int(setting(app, "SYNC_BATCH")), cap=float(setting(app, "SYNC_BACKOFF_CAP")),
                        base=backoff.BASE, meter=app.extensions["sync_meter"],
                        updates=app.extensions["content_updates"])
    app.extensions["sync_worker"] = worker
    worker.start()
    return worker


def sync_now(app) -> threading.Thread | None:
    """Wake the background uploader, or push once in a thread of its own when there is none."""
    worker = app.extensions.get("sync_worker")
    if worker is not None and worker.is_alive():
        worker.sync_now()
        return worker
    running = app.extensions.get("sync_once")
    if running is not None and running.is_alive():
        return running
    link = enrollment.load(Path(app.config["DATA_PATH"]))
    if link is None:
        return None
    from .worker import SyncWorker

    once = SyncWorker(Path(app.config["DATA_PATH"]), batch_size=int(setting(app, "SYNC_BATCH")),
                      meter=app.extensions["sync_meter"], updates=app.extensions["content_updates"])
    thread = threading.Thread(target=once.turn, name="relais-sync-once", daemon=True)
    app.extensions["sync_once"] = thread
    thread.start()
    return thread


def summary(data_dir: Path) -> dict:
    """Sync at a glance, for the settings page and /-/settings.json (no secret, no hub address)."""
    from . import outbox, state

    link = enrollment.load(data_dir)
    if link is None:
        return {"enrolled": False}
    current = state.current()
    return {"enrolled": True, "centre": link.centre, "last_success": current.last_success,
            "waiting": outbox.pending_count(), "last_error": current.last_error}
