"""Facilitator page for content packs: upload one, or import one from a USB stick plugged into the kiosk.

Also follows a switch made from the command line: when the content link leads somewhere new, the
next request re-indexes once and the kiosk serves the new version (no restart needed).
"""
from __future__ import annotations

import os
import secrets
import threading
import time
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms.validators import ValidationError

from sync.packs.signing import UNTRUSTED_BY_KIOSK, fingerprint, load_public

from .. import packs
from ..csrf import csrf
from . import audio
from .facilitator import facilitator_required

bp = Blueprint("packs", __name__, url_prefix="/facilitator/packs")
CHECK_EVERY = 2.0                       # seconds between two looks at the content link
MAX_KEY_BYTES = 4096                    # a public key file is a few hundred bytes


def init_app(app) -> None:
    """Register the page, its link on the facilitator menu and the content-switch follower."""
    app.register_blueprint(bp)
    csrf.exempt(upload)             # checked by hand, after the upload's own size limit is raised
    app.extensions["packs"] = {"checked": 0.0, "lock": threading.Lock()}
    app.before_request(_follow_switch)


def _follow_switch() -> None:
    state = current_app.extensions["packs"]
    now = time.monotonic()
    if now - state["checked"] >= CHECK_EVERY:
        state["checked"] = now
        follow_content(current_app, wait=False)


def follow_content(app, wait: bool) -> bool:
    """Re-index and serve the folder the content link leads to now, if it changed; True if it did.

    Other requests keep the old catalogue meanwhile (they do not wait for the lock).
    """
    target = Path(app.config["CONTENT_DIR"]).resolve()
    lock = app.extensions["packs"]["lock"]
    if target == app.config["CONTENT_PATH"] or not lock.acquire(blocking=wait):
        return False
    try:
        if target == app.config["CONTENT_PATH"]:
            return False
        report = packs.reindex(target, app.config["DATA_PATH"], app.config["DEFAULT_LANGUAGE"])
        app.config.update(CONTENT_PATH=target, INDEX_REPORT=report)
        audio.restart_narration(app)        # the clips of changed text are made here, none travel in packs
        return True
    finally:
        lock.release()


@bp.get("/")
@facilitator_required
def page():
    data = current_app.config["DATA_PATH"]
    return render_template("facilitator/packs.html", current=packs.current_pack(data),
                           keys=sorted(packs.trusted_keys(data)), found=usb_packs(),
                           limit_mb=current_app.config["PACK_UPLOAD_LIMIT"] // (1024 * 1024))


@bp.post("/upload")
@facilitator_required
def upload():
    """The pack comes in the request; its limit is the pack's, not the 2 MB of every other form."""
    request.max_content_length = current_app.config["PACK_UPLOAD_LIMIT"]
    try:
        validate_csrf(request.form.get("csrf_token"))
        sent = request.files.get("pack")
    except RequestEntityTooLarge:
        flash(_("This file is larger than %(size)s MB. Copy it to a USB stick and import it from there.",
                size=current_app.config["PACK_UPLOAD_LIMIT"] // (1024 * 1024)), "error")
        return redirect(url_for(".page"))
    except ValidationError as error:
        raise CSRFError(error.args[0]) from None
    if sent is None or not sent.filename:
        flash(_("Please choose a pack file (.zip)."), "error")
        return redirect(url_for(".page"))
    incoming = current_app.config["DATA_PATH"] / "packs" / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    path = incoming / f"upload-{secrets.token_hex(8)}.zip"
    try:
        sent.save(path)
        return _import(path)
    finally:
        path.unlink(missing_ok=True)


@bp.post("/usb")
@facilitator_required
def from_usb():
    path = usb_path(request.form.get("path", ""))
    if path is None:
        flash(_("Give the full path of a .zip file on a USB stick, for example /media/usb/pack.zip."), "error")
        return redirect(url_for(".page"))
    return _import(path)


def _import(path: Path):
    app = current_app._get_current_object()
    try:
        result = packs.import_pack(path, Path(app.config["CONTENT_DIR"]), app.config["DATA_PATH"],
                                   app.config["DEFAULT_LANGUAGE"])
    except packs.PackError as error:
        flash(refusal(error), "error")
        return redirect(url_for(".page"))
    follow_content(app, wait=True)
    manifest = result.manifest
    flash(_("Pack %(pack)s version %(version)s is installed: %(courses)s, %(lessons)s.",
            pack=manifest.pack_id, version=manifest.version,
            courses=ngettext("%(num)s course", "%(num)s courses", result.check.courses),
            lessons=ngettext("%(num)s lesson", "%(num)s lessons", result.check.lessons)), "ok")
    return redirect(url_for(".page"))


def refusal(error: packs.PackError) -> str:
    """Why a pack was refused, in the page's language: the plain reason first, the technical detail after."""
    detail = _(error.message, **error.params)
    if error.message == packs.NOT_A_PACK:
        return _("This is not a Relais course pack: %(reason)s Nothing was changed.", reason=detail)
    if error.message == UNTRUSTED_BY_KIOSK:
        return _("This pack comes from a publisher this kiosk does not trust yet (key %(key)s). If you trust "
                 "them, add their public key under “Trusted publishers” below, then import the pack again. "
                 "Nothing was changed.", key=error.params.get("key", ""))
    return _("The pack was not installed, and the courses stay as they were. Reason: %(reason)s", reason=detail)


@bp.post("/trust")
@facilitator_required
def trust_check():
    """Step one: read the publisher's key file and show its fingerprint, to compare with theirs."""
    sent = request.files.get("key")
    try:
        key = load_public(sent.read(MAX_KEY_BYTES) if sent else b"", sent.filename if sent else "")
    except packs.PackError:
        flash(_("This file is not a publisher’s public key. It is a small text file that starts with "
                "“-----BEGIN PUBLIC KEY-----”."), "error")
        return redirect(url_for(".page"))
    # Only here, not at the top: `cryptography` weighs 8 MB in a kiosk that may never be shown a key.
    from cryptography.hazmat.primitives import serialization

    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return render_template("facilitator/packs_trust.html", fingerprint=fingerprint(key), pem=pem.decode())


@bp.post("/trust/confirm")
@facilitator_required
def trust_confirm():
    """Step two, once the fingerprints matched: the same function as `relais pack trust`."""
    incoming = current_app.config["DATA_PATH"] / "packs" / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    path = incoming / f"key-{secrets.token_hex(8)}.pub"
    try:
        path.write_text(request.form.get("pem", "")[:MAX_KEY_BYTES])
        name = packs.trust(path, current_app.config["DATA_PATH"])
    except packs.PackError:
        flash(_("This file is not a publisher’s public key. It is a small text file that starts with "
                "“-----BEGIN PUBLIC KEY-----”."), "error")
        return redirect(url_for(".page"))
    finally:
        path.unlink(missing_ok=True)
    flash(_("The kiosk now trusts packs signed with key %(key)s.", key=name), "ok")
    return redirect(url_for(".page"))


def usb_path(raw: str) -> Path | None:
    """A .zip file under one of the USB mount folders, or None: this form reads nothing else."""
    raw = raw.strip()
    if not raw.startswith("/") or not raw.lower().endswith(".zip"):
        return None
    try:
        path = Path(os.path.realpath(raw))
        roots = [Path(os.path.realpath(r)) for r in current_app.config["PACK_USB_ROOTS"]]
        if not path.is_file() or not any(root in path.parents for root in roots):
            return None
    except (ValueError, OSError):       # a NUL in the path, or a name longer than the file system allows
        return None
    return path


def usb_packs(limit: int = 20) -> list[Path]:
    """Zip files on plugged-in sticks (a few folders deep), to import with one click."""
    found = []
    for root in current_app.config["PACK_USB_ROOTS"]:
        for folder, dirs, files in os.walk(root):
            depth = Path(folder).relative_to(root).parts
            if len(depth) >= 3:
                dirs[:] = []
            dirs[:] = [d for d in sorted(dirs) if not d.startswith(".")]
            found += [Path(folder) / f for f in sorted(files) if f.lower().endswith(".zip")]
            if len(found) >= limit:
                return found[:limit]
    return found
