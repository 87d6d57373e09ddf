"""Sync inside the kiosk's Flask app: its settings, the metered link, course updates and the background
uploader (sync.client), bound to this kiosk; the pages are kiosk/views/sync_page.py and updates_page.py."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from sync.base.settings import lookup
from sync.client import enrollment, outbox, roaming, state
from sync.client.meter import Meter, parse_window
from sync.client.updates import ContentUpdates
from sync.client.worker import SyncWorker
from sync.wire import backoff

from . import roaming as cards
from .db import database
from .models import KioskSetting
from .packs.install import installer
from .settings import SYNC_SETTINGS

log = logging.getLogger("relais.sync")
LINK_SETTINGS = ("SYNC_DAILY_BUDGET_MB", "SYNC_WINDOW")      # also set on the Course updates page


def setting(app, name: str):
    """A sync setting's value, typed like its default; `app` is a Flask app or a config mapping."""
    return lookup(SYNC_SETTINGS, name, getattr(app, "config", app))


def background_wanted(app) -> bool:
    """SYNC_BACKGROUND: "auto" starts the thread unless the app is testing; yes/true/1 and no/false/0 decide."""
    value = str(setting(app, "SYNC_BACKGROUND")).lower()
    if value in ("auto", "none", ""):
        return not app.testing
    return yes(app, "SYNC_BACKGROUND")


def yes(app, name: str) -> bool:
    return str(setting(app, name)).lower() in ("1", "true", "yes", "on")


def meter(app):
    """The metered link's budget and window: from the Course updates page if a facilitator set them
    there, else from the settings (a window it cannot read is ignored, loudly). `app` is a Flask app,
    or a config mapping ({} on the command line: the environment and the page's values)."""
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
    """Give the app its metered link and course updates; start the background sync when enrolled."""
    app.extensions["sync_meter"] = meter(app)
    app.extensions["roaming"] = card_roaming(app)
    app.extensions["content_updates"] = content_updates(
        Path(app.config["DATA_PATH"]), Path(app.config["CONTENT_DIR"]), app.config["DEFAULT_LANGUAGE"],
        check_every=float(setting(app, "CONTENT_CHECK_HOURS")) * 3600) if yes(app, "CONTENT_UPDATES") else None
    if enrollment.load(Path(app.config["DATA_PATH"])) is not None:
        start_worker(app)


def card_roaming(app) -> roaming.Roaming | None:
    """Learners' cards from the other kiosks of the network (ROAMING = network), or None (off)."""
    if str(setting(app, "ROAMING")).lower() != "network":
        return None
    return roaming.Roaming(cards.apply_page, announce=cards.announce_pins)


def content_updates(data_dir: Path, content: Path, language: str, **options) -> ContentUpdates:
    """Course updates from the hub, installed into this kiosk's content the way a USB pack is."""
    return ContentUpdates(data_dir, content, installer(Path(content), data_dir, language), **options)


def start_worker(app):
    """Start the background thread once per app (see SYNC_BACKGROUND)."""
    if not background_wanted(app):
        return None
    worker = app.extensions.get("sync_worker")
    if worker is not None and worker.is_alive():
        return worker
    worker = SyncWorker(Path(app.config["DATA_PATH"]), interval=float(setting(app, "SYNC_INTERVAL")),
                        batch_size=int(setting(app, "SYNC_BATCH")), cap=float(setting(app, "SYNC_BACKOFF_CAP")),
                        base=backoff.BASE, meter=app.extensions["sync_meter"],
                        updates=app.extensions["content_updates"], roaming=app.extensions["roaming"])
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
    once = SyncWorker(Path(app.config["DATA_PATH"]), batch_size=int(setting(app, "SYNC_BATCH")),
                      meter=app.extensions["sync_meter"], updates=app.extensions["content_updates"],
                      roaming=app.extensions["roaming"])
    thread = threading.Thread(target=once.turn, name="relais-sync-once", daemon=True)
    app.extensions["sync_once"] = thread
    thread.start()
    return thread


def summary(data_dir: Path) -> dict:
    """Sync at a glance, for the settings page and /-/settings.json (no secret, no hub address)."""
    link = enrollment.load(data_dir)
    if link is None:
        return {"enrolled": False}
    current, cards_state = state.current(), roaming.current()
    return {"enrolled": True, "centre": link.centre, "last_success": current.last_success,
            "waiting": outbox.pending_count(), "last_error": current.last_error,
            "roaming": cards_state.status or "not_asked"}
