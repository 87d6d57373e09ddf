"""Backups from the facilitator pages: make one now, see them, download one, copy one to a USB stick.

The same online backup as `relais backup` and the nightly timer (kiosk/backup.py); the sticks are the
writable ones the Sync page finds (sync.client.bundles.sticks, under PACK_USB_ROOTS).
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from sync.client import bundles

from .. import backup
from .facilitator import facilitator_required

bp = Blueprint("backups", __name__, url_prefix="/facilitator/backups")


def init_app(app) -> None:
    app.register_blueprint(bp)


def _data() -> Path:
    return Path(current_app.config["DATA_PATH"])


def _sticks() -> list[Path]:
    return bundles.sticks(current_app.config["PACK_USB_ROOTS"])


@bp.get("/")
@facilitator_required
def page():
    return render_template("facilitator/backups.html", backups=backup.listed(_data()), sticks=_sticks())


@bp.post("/now")
@facilitator_required
def make():
    try:
        result = backup.backup(_data())
    except (backup.BackupError, OSError) as error:
        flash(_("The backup could not be made: %(reason)s", reason=str(error)), "error")
    else:
        flash(_("Backup %(name)s made and checked.", name=result.path.name), "ok")
    return redirect(url_for(".page"))


@bp.get("/<name>")
@facilitator_required
def download(name: str):
    path = backup.find(_data(), name) or abort(404)
    return send_file(path, mimetype="application/vnd.sqlite3", as_attachment=True, download_name=path.name)


@bp.post("/usb")
@facilitator_required
def to_usb():
    path = backup.find(_data(), request.form.get("name", ""))
    stick = next((s for s in _sticks() if str(s) == request.form.get("stick")), None)
    if path is None or stick is None:
        flash(_("That backup or USB stick is no longer there. Plug the stick in again and reload this page."),
              "error")
        return redirect(url_for(".page"))
    try:
        copied = backup.copy_to(path, stick)
    except OSError as error:
        flash(_("The backup could not be copied to the USB stick: %(reason)s", reason=error.strerror or error),
              "error")
    else:
        flash(_("Backup copied to %(path)s. Wait a few seconds before you unplug the stick.", path=copied), "ok")
    return redirect(url_for(".page"))
