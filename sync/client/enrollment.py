"""A kiosk's link to its hub: enrolment with a one-time code, and the credentials it gives.

The kiosk id and secret live in DATA_DIR/sync.json, readable by the kiosk's user only (mode 600),
never in the repository.
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from sync.wire import protocol

from . import outbox

FILE = "sync.json"
log = logging.getLogger("relais.sync")
TIMEOUTS = (5, 30)          # seconds to connect, seconds between bytes of the answer


@dataclass
class Link:
    hub_url: str
    kiosk_id: str
    secret: str
    centre: str
    enrolled_at: float
    bundle_key: str = ""        # the hub's public key for USB bundles (sync/wire/bundle.py); older hubs send none


class EnrolError(Exception):
    """Enrolment did not work; the message is for a person."""


def load(data_dir: Path) -> Link | None:
    """This kiosk's hub link, or None when it is not enrolled."""
    path = Path(data_dir) / FILE
    try:
        return Link(**json.loads(path.read_text()))
    except FileNotFoundError:
        return None
    except (ValueError, TypeError) as error:     # a damaged file must not stop the kiosk serving learners
        log.warning("ignoring %s, which cannot be read (%s): enrol the kiosk again", path, error)
        return None


def save(data_dir: Path, link: Link) -> None:
    """Write sync.json atomically, created with mode 600 so the secret is never readable by others."""
    path = Path(data_dir) / FILE
    tmp = path.with_suffix(".tmp")
    if tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(link), handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def enroll(data_dir: Path, hub_url: str, code: str, session=None) -> Link:
    """Trade a code for credentials, then queue the whole outbox for the new hub.

    Needs the kiosk database open (the caller holds a connection).
    """
    import requests  # only when talking to a hub: an offline kiosk never loads it (about 10 MB)
    data_dir = Path(data_dir)
    existing = load(data_dir)
    if existing is not None:
        raise EnrolError(f"this kiosk is already enrolled with {existing.hub_url} ({existing.centre}). "
                         f"To enrol it again, delete {data_dir / FILE} first: everything will be sent again.")
    hub_url = hub_url.strip().rstrip("/")
    if not hub_url.startswith(("http://", "https://")):
        raise EnrolError("the hub address must start with http:// or https://")
    body = {"code": code.strip(), "installation": outbox.identity().kiosk_id,
            "epochs": {str(k): v for k, v in outbox.epoch_starts().items()}}
    try:
        answer = (session or requests).post(hub_url + protocol.ENROLL_PATH, json=body, timeout=TIMEOUTS)
    except requests.RequestException as error:
        raise EnrolError(f"the hub at {hub_url} could not be reached ({type(error).__name__}). "
                         "Check the address and the internet connection.") from None
    if answer.status_code == 401:
        raise EnrolError("the hub refused this code: it is wrong, already used or more than 24 hours old. "
                         "Ask for a new code.")
    if answer.status_code != 200:
        raise EnrolError(f"the hub answered {answer.status_code}; is {hub_url} really a Relais hub?")
    data = answer.json()
    link = Link(hub_url=hub_url, kiosk_id=data["kiosk_id"], secret=data["secret"], centre=data.get("centre", ""),
                enrolled_at=time.time(), bundle_key=str(data.get("bundle_key") or ""))
    outbox.mark_all_unsent()
    save(data_dir, link)
    return link
