"""Send the hub's xAPI statements to the funder's Learning Record Store, in batches, each exactly as exported.

Statements go in the order their events arrived, `LRS_BATCH` events at a time, to `LRS_URL`/statements
with HTTP Basic. Their ids are stable (sync/hub/xapi.py), so a batch sent twice — after a lost answer, or by
two hub processes at once — is stored once: an LRS answers 200 for a statement it already holds. A 409
(the LRS holds a statement with that id and other content) refuses a whole batch, so the batch is sent
again one statement at a time and a 409 for one statement counts as done. Any other failure waits, twice
longer each time up to `LRS_BACKOFF_CAP`, then the same batch is tried again.

The progress is one row of the `setting` table (JSON), saved only if no other process moved it meanwhile:
every hub process may run the forwarder; they never skip a batch. Credentials live in the settings only;
nothing here writes them to the progress, the page or a log.
"""
from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import urlparse

import requests

from .db import database
from .models import Event, Setting
from .scopes import NATIONAL
from .xapi import VERSION, mapped_events, statements_for

STATE_KEY = "lrs_forward"
FIRST_WAIT = 5                     # seconds after a first failure


@dataclass
class Progress:
    cursor: int = 0                # the last event row whose statements the LRS holds
    sent: int = 0                  # statements the LRS took
    failures: int = 0              # failures in a row
    last_error: str = ""
    last_try: float = 0
    last_success: float = 0
    next_try: float = 0


@dataclass(frozen=True)
class Target:
    url: str
    username: str = ""
    password: str = field(default="", repr=False)
    batch: int = 100
    backoff_cap: float = 900


def target_from(config) -> Target | None:
    """The LRS the settings name (None when LRS_URL is empty); ValueError when it is written wrongly."""
    url = (config.get("LRS_URL") or "").strip().rstrip("/")
    if not url:
        return None
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("LRS_URL must be an http:// or https:// address, for example https://lrs.example/xapi")
    if parts.username or parts.password:
        raise ValueError("put the LRS's user name and password in LRS_USERNAME and LRS_PASSWORD, not in LRS_URL")
    return Target(url, config.get("LRS_USERNAME") or "", config.get("LRS_PASSWORD") or "",
                  max(1, int(config.get("LRS_BATCH") or 100)), float(config.get("LRS_BACKOFF_CAP") or 900))


def load() -> tuple[Progress, str]:
    """The saved progress and its stored text (the row is made, empty, the first time)."""
    Setting.insert(key=STATE_KEY, value=json.dumps(asdict(Progress()), sort_keys=True)).on_conflict_ignore().execute()
    text = Setting.get_by_id(STATE_KEY).value
    return Progress(**json.loads(text)), text


def peek() -> Progress:
    """The saved progress, without making its row (for the page)."""
    row = Setting.get_or_none(Setting.key == STATE_KEY)
    return Progress(**json.loads(row.value)) if row is not None else Progress()


def _save(progress: Progress, before: str) -> bool:
    """Keep `progress` unless another process saved since `before` was read; whether it was kept."""
    text = json.dumps(asdict(progress), sort_keys=True)
    return Setting.update(value=text).where((Setting.key == STATE_KEY) & (Setting.value == before)).execute() == 1


def waiting(progress: Progress) -> int:
    """Events whose statements the LRS does not hold yet (each gives one statement, a quiz one per question more)."""
    return mapped_events(NATIONAL).where(Event.row > progress.cursor).count()


def for_the_lrs(statement: dict) -> dict:
    """A statement as sent: the LRS sets `stored` and `authority` itself."""
    return {k: v for k, v in statement.items() if k not in ("stored", "authority")}


def _post(target: Target, statements: list[dict], session: requests.Session) -> int:
    body = json.dumps(statements, ensure_ascii=False).encode()
    answer = session.post(target.url + "/statements", data=body, timeout=(10, 60),
                          auth=(target.username, target.password) if target.username else None,
                          headers={"Content-Type": "application/json", "X-Experience-API-Version": VERSION})
    return answer.status_code


def deliver(target: Target, statements: list[dict], session: requests.Session) -> str:
    """"" when the LRS holds every statement; else what went wrong, without credentials."""
    status = _post(target, statements, session)
    if status in (200, 204) or (status == 409 and len(statements) == 1):
        return ""
    if status == 409:
        for statement in statements:
            problem = deliver(target, [statement], session)
            if problem:
                return problem
        return ""
    return f"the LRS answered HTTP {status}"


def step(target: Target, home: str, now: float | None = None, session: requests.Session | None = None,
         patient: bool = True) -> str:
    """Send one batch if it is time (at once when not `patient`): "sent", "idle" (nothing new), "waiting" (backing
    off), "failed" or "raced"."""
    now = time.time() if now is None else now
    progress, before = load()
    if patient and now < progress.next_try:
        return "waiting"
    events = list(mapped_events(NATIONAL).where(Event.row > progress.cursor).order_by(Event.row).limit(target.batch))
    statements = [for_the_lrs(s) for e in events for s in statements_for(e, home)]
    if not events:
        return "idle"
    try:
        problem = deliver(target, statements, session or requests.Session()) if statements else ""
    except requests.RequestException as error:
        problem = f"the LRS could not be reached ({type(error).__name__})"
    progress.last_try = now
    if problem:
        progress.failures += 1
        progress.last_error = problem
        wait = min(target.backoff_cap, FIRST_WAIT * 2 ** (progress.failures - 1))
        progress.next_try = now + wait * random.uniform(0.5, 1.0)
    else:
        progress.cursor, progress.sent = events[-1].row, progress.sent + len(statements)
        progress.failures, progress.last_error, progress.last_success, progress.next_try = 0, "", now, 0
    if not _save(progress, before):
        return "raced"                  # another process moved on meanwhile: read its progress next time
    return "failed" if problem else "sent"


def run(target: Target, home: str, interval: float, stop: threading.Event) -> None:
    """Forward until `stop` is set: batch after batch while there are new statements, then every `interval` s."""
    session = requests.Session()
    while not stop.is_set():
        try:
            with database.connection_context():
                outcome = step(target, home, session=session)
        except Exception:               # noqa: BLE001 - a database hiccup must not end forwarding for good
            outcome = "failed"
        stop.wait(0 if outcome in ("sent", "raced") else min(interval, 5) if outcome == "failed" else interval)


def start(target: Target, home: str, interval: float) -> threading.Event:
    """Run the forwarder in a background thread of this hub process; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=run, args=(target, home, interval, stop), name="lrs-forwarder", daemon=True).start()
    return stop
