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
    cursor: int = 0                # the last event row whose statements the LRS holds (or that were set aside)
    sent: int = 0                  # statements the LRS took
    failures: int = 0              # failures in a row
    last_error: str = ""           # a reason code (REASONS), "" when the last try went well
    last_detail: str = ""          # what goes with it: an HTTP status, an exception's name
    last_try: float = 0
    last_success: float = 0
    next_try: float = 0
    set_aside: list = field(default_factory=list)   # [{"id", "row", "reason", "detail"}]: refused for good
    retry: bool = False            # an administrator asked to send the set-aside statements again


# What a facilitator reads, translated by the page (sync/hub/lrs_page.py); the forwarder keeps only the code.
UNREACHABLE, ANSWERED, REFUSED = "unreachable", "answered", "refused"


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
    return answer


def deliver(target: Target, statements: list[dict], session: requests.Session) -> tuple[tuple[str, str], list]:
    """((reason, detail), set aside): ("", "") when the LRS holds every statement not set aside; no credentials.

    A 409 or 400 for a batch sends it again a statement at a time: a 409 for one is done (the LRS holds that
    id), a 400 for one sets it aside with the LRS's reason and the others go on."""
    answer = _post(target, statements, session)
    if answer.status_code in (200, 204) or (answer.status_code == 409 and len(statements) == 1):
        return ("", ""), []
    if answer.status_code == 400 and len(statements) == 1:
        return ("", ""), [{"id": statements[0]["id"], "reason": REFUSED, "detail": _said(answer)}]
    if answer.status_code in (400, 409):
        aside = []
        for statement in statements:
            problem, refused = deliver(target, [statement], session)
            if problem[0]:
                return problem, aside
            aside += refused
        return ("", ""), aside
    return (ANSWERED, str(answer.status_code)), []


def _said(answer: requests.Response) -> str:
    """The LRS's reason for refusing a statement, short and printable."""
    try:
        text = answer.json().get("message") or answer.text
    except (ValueError, AttributeError):
        text = answer.text
    return "".join(c for c in str(text) if c.isprintable())[:300] or f"HTTP {answer.status_code}"


def step(target: Target, home: str, now: float | None = None, session: requests.Session | None = None,
         patient: bool = True) -> str:
    """Send one batch if it is time (at once when not `patient`): "sent", "idle" (nothing new), "waiting" (backing
    off), "failed" or "raced"."""
    now = time.time() if now is None else now
    progress, before = load()
    if patient and now < progress.next_try:
        return "waiting"
    if progress.retry:
        return _retry(target, home, now, session or requests.Session(), progress, before)
    events = list(mapped_events(NATIONAL).where(Event.row > progress.cursor).order_by(Event.row).limit(target.batch))
    statements = [dict(for_the_lrs(s), row=e.row) for e in events for s in statements_for(e, home)]
    if not events:
        return "idle"
    problem, aside = _send(target, [{k: v for k, v in s.items() if k != "row"} for s in statements], session)
    progress.last_try = now
    if problem[0]:
        progress.failures += 1
        progress.last_error, progress.last_detail = problem
        wait = min(target.backoff_cap, FIRST_WAIT * 2 ** (progress.failures - 1))
        progress.next_try = now + wait * random.uniform(0.5, 1.0)
    else:
        rows = {s["id"]: s["row"] for s in statements}
        progress.set_aside += [dict(a, row=rows[a["id"]]) for a in aside]
        progress.cursor, progress.sent = events[-1].row, progress.sent + len(statements) - len(aside)
        progress.failures, progress.last_error, progress.last_detail = 0, "", ""
        progress.last_success, progress.next_try = now, 0
    if not _save(progress, before):
        return "raced"                  # another process moved on meanwhile: read its progress next time
    return "failed" if problem[0] else "sent"


def _send(target: Target, statements: list[dict], session) -> tuple[tuple[str, str], list]:
    try:
        return deliver(target, statements, session or requests.Session()) if statements else (("", ""), [])
    except requests.RequestException as error:
        return (UNREACHABLE, type(error).__name__), []


def _retry(target: Target, home: str, now: float, session, progress: Progress, before: str) -> str:
    """Send the set-aside statements again, one at a time: those the LRS takes now leave the list."""
    by_row = {e.row: e for e in mapped_events(NATIONAL).where(Event.row.in_(sorted({a["row"] for a in progress.set_aside})))}
    kept, sent = [], 0
    for entry in progress.set_aside:
        made = [s for s in statements_for(by_row[entry["row"]], home) if s["id"] == entry["id"]] \
            if entry["row"] in by_row else []          # an erased learner's statement is gone: nothing to send
        problem, aside = _send(target, [for_the_lrs(s) for s in made], session)
        if problem[0]:
            return "failed"                    # the LRS is down: try the whole retry again later
        kept += [dict(a, row=entry["row"]) for a in aside]
        sent += len(made) - len(aside)
    progress.set_aside, progress.retry, progress.sent, progress.last_try = kept, False, progress.sent + sent, now
    return "sent" if _save(progress, before) else "raced"


def ask_retry() -> bool:
    """An administrator's ask: send the set-aside statements again at the forwarder's next step; whether kept."""
    progress, before = load()
    progress.retry = bool(progress.set_aside)
    return _save(progress, before)


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
