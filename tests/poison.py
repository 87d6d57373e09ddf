"""Hostile input for every kiosk route that writes an outbox event, sent through the real forms.

`poison_every_route(app)` plays an anonymous visitor, a learner and a facilitator sending over-long
text, NUL and other control characters, broken UTF-8 bytes, hundreds of extra fields and huge cookies,
between ordinary steps; it returns what each request answered. Used by tests/test_write_path.py and,
against a real hub, by tests/sync_tests/test_poisoned_routes.py.
"""
from __future__ import annotations

import ast
import warnings
from collections import Counter
from pathlib import Path

from kiosk.db import database
from kiosk.facilitators import create as create_facilitator
from kiosk.models import Learner
from sync.client import outbox
from tests.conftest import CSRF

KIOSK = Path(__file__).resolve().parent.parent / "kiosk"
LESSON = "/courses/basics/the-mouse"
QUIZ = LESSON + "/quiz"

TEXTS = [
    "A" * 20000,                            # far over any limit
    "Aw" * 30,                              # just over the name's 40 letters
    "Awa\x00", "\x00", "Awa\x1b[2J", "Awa\x07", "Awa\x7f", "Awa\u0085", "Aw\x0ba",
    "Aw\ufffda", "Aw%ED%A0%80a",            # what a browser's broken UTF-8 becomes
    " \t\n ", "",
    "\u0627\u0648\u0627" * 20,              # Arabic, 60 letters
]
# Raw bodies: bytes that are not UTF-8 (a lone surrogate's encoding, a stray 0xFF), and escapes of them.
RAW_VALUES = [b"Aw\xed\xa0\x80a", b"\xff\xfe", b"Aw%ED%A0%80a", b"%00", b"%C0%80", b"Aw%ud800a"]
DIGITS = ["\u00b2", "\u0661", "\u06f3", "\uff11", "1\u0000", "-1", "99999", "9" * 5000, "1.0", " 1 ", "true"]
EXTRA = {f"extra{i}": "x" * 100 for i in range(500)}
COOKIES = ["x" * 9000, "fr\x00", "ar; Path=/", "\u00e9\u00e9", "en" * 2000]

# Every kiosk function that appends to the outbox, and the route below that reaches it with poison.
WRITERS = {
    "learners.create_learner": "POST /new",
    "learners.update_prefs": "POST /preferences, POST /language",
    "progress._visit": "POST …/step",
    "progress.record_quiz_attempt": "POST …/quiz",
    "progress.set_with_help": "POST /facilitator/learners/<uuid>/help",
    "progress.fold_progress": "POST /facilitator/learners/<uuid>/merge",
    "learner_admin.rename": "POST /facilitator/learners/<uuid>/rename",
    "learner_admin.erase": "POST /facilitator/learners/<uuid>/erase (and merge)",
    "certificates.issue": "POST /courses/<course>/certificate",
    "learner_admin.reset_pin": "POST /facilitator/learners/<uuid>/pin",
    "roaming.keep_here": "POST /preferences, POST /facilitator/learners/<uuid>/travel",
    "roaming.announce_pins": "(the sync worker, once: it writes what the kiosk holds, no input)",
}


def outbox_writers() -> set[str]:
    """Every function in kiosk/ whose body calls outbox.append, as module.function."""
    found = set()
    for path in KIOSK.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = ".".join(path.relative_to(KIOSK).with_suffix("").parts)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                    isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "append" and isinstance(call.func.value, ast.Name)
                    and call.func.value.id == "outbox" for call in ast.walk(node)):
                found.add(f"{module}.{node.name}")
    return found


def set_cookie(client, name: str, value: str) -> None:
    """Put any cookie in a test client's jar; a browser would drop one over 4 KB, a hostile client does not."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)          # werkzeug warns that the cookie is large
        client.set_cookie(name, value)


def broken_events() -> list[tuple[str, str]]:
    """(type, detail) of every outbox event the hub would set aside, by the rule the hub applies."""
    with database.connection_context():
        rows = list(outbox.OutboxEvent.select())
    return [(e.type, str(p)) for e in rows if (p := outbox.refusal(e))]


class Visitor:
    """One browser on the kiosk (its own cookies), counting every answer it gets."""

    def __init__(self, app, statuses: Counter):
        self.client, self.statuses = app.test_client(), statuses

    def token(self, url: str) -> str:
        page = self.client.get(url)
        self.statuses[page.status_code] += 1
        return CSRF.search(page.data).group(1).decode()

    def post(self, url: str, data: dict | None = None, token_from: str = "/", **kwargs):
        data = dict(data or {}, csrf_token=self.token(token_from))
        return self._count(self.client.post(url, data=data, **kwargs))

    def post_raw(self, url: str, pairs: list[tuple[bytes, bytes]], token_from: str = "/"):
        """A form body written byte by byte, as a hostile client would, bad UTF-8 included."""
        body = b"&".join([b"csrf_token=" + self.token(token_from).encode()] + [k + b"=" + v for k, v in pairs])
        return self._count(self.client.post(url, data=body, content_type="application/x-www-form-urlencoded"))

    def get(self, url: str, **kwargs):
        return self._count(self.client.get(url, **kwargs))

    def _count(self, response):
        self.statuses[response.status_code] += 1
        return response


def poison_every_route(app) -> Counter:
    """Send poison to every writing route, with ordinary steps between; return the status counts."""
    statuses: Counter = Counter()
    anyone, learner = Visitor(app, statuses), Visitor(app, statuses)
    _new_cards(anyone)
    uuid = _learner_steps(learner)
    staff = Visitor(app, statuses)
    with database.connection_context():
        create_facilitator("Samia", "correct horse battery")
    staff.post("/facilitator/login", {"name": "Samia", "password": "correct horse battery"},
               token_from="/facilitator/login")
    _facilitator_steps(staff, uuid)
    return statuses


def _new_cards(visitor: Visitor) -> None:
    for cookie in COOKIES:
        set_cookie(visitor.client, "lang", cookie)
        visitor.get("/")
        visitor.post("/new", {"name": "Awa", "picture": "sun", "confirm_new": "1"}, token_from="/new")   # not the first Awa
        visitor.post("/logout", token_from="/home")
    visitor.client.delete_cookie("lang")
    for text in TEXTS:
        visitor.post("/new", {"name": text, "picture": "sun", "pin": text, "pin_confirm": text}, token_from="/new")
        visitor.post("/new", {"name": "Bilal", "picture": text}, token_from="/new")
    for raw in RAW_VALUES:
        visitor.post_raw("/new", [(b"name", raw), (b"picture", b"sun")], token_from="/new")
        visitor.post_raw("/new", [(b"name", b"Chen"), (b"picture", raw)], token_from="/new")
    visitor.post("/new", dict(EXTRA, name="Dede", picture="cat", prefs="x" * 5000), token_from="/new")
    visitor.post(LESSON + "/step", {"step": "1"}, token_from=LESSON)       # Dede's card is merged later
    visitor.post("/new", {"name": "Erin", "picture": "moon"}, token_from="/new")    # and Erin's erased
    visitor.post("/logout", token_from="/home")
    for value in ["x" * 9000, "fr\x00", "de", ""] + TEXTS[:3]:
        visitor.post("/language", {"language": value, "next": value})


def _learner_steps(visitor: Visitor) -> str:
    visitor.post("/new", {"name": "Awa Poison", "picture": "sun"}, token_from="/new")
    with database.connection_context():
        uuid = Learner.get(Learner.name == "Awa Poison").uuid
    for value in TEXTS + DIGITS:
        visitor.post("/preferences", {"text_size": value, "language": value, "contrast": value,
                                      "read_aloud": value}, token_from="/preferences")
        visitor.post("/language", {"language": value}, token_from="/preferences")
        visitor.post(LESSON + "/step", {"step": value, "with_help": value}, token_from=LESSON)
    visitor.post("/preferences", dict(EXTRA, text_size="150", language="ar"), token_from="/preferences")
    visitor.post("/language", {"language": "en"}, token_from="/preferences")
    visitor.post(LESSON + "/step", dict(EXTRA, step="1"), token_from=LESSON)
    _quiz_poison(visitor)
    visitor.post("/courses/basics/certificate", EXTRA, token_from="/courses/basics")    # not complete yet
    visitor.post("/courses/basics/reading/step", {"step": "2"}, token_from="/courses/basics")
    visitor.post("/courses/basics/certificate", EXTRA, token_from="/courses/basics")
    return uuid


def _quiz_poison(visitor: Visitor) -> None:
    good = {"q0": "1", "q1": "false", "q2": "Maj"}
    for value in DIGITS + TEXTS:
        for field in ("q0", "q1", "q2"):
            visitor.post(QUIZ, dict(good, **{field: value}), token_from=QUIZ)
    for field in ("q0", "q1", "q2"):                                  # one field sent 500 times
        visitor.post(QUIZ, dict(good, **{field: ["1"] * 500}), token_from=QUIZ)
        visitor.post(QUIZ, dict(good, **{field: ["Maj", "x" * 199]}), token_from=QUIZ)
    for raw in RAW_VALUES:
        visitor.post_raw(QUIZ, [(b"q0", b"1"), (b"q1", b"true"), (b"q2", raw)], token_from=QUIZ)
        visitor.post_raw(QUIZ, [(b"q0", raw), (b"q1", b"true"), (b"q2", b"Maj")], token_from=QUIZ)
    extra = {f"q{i}": "x" * 200 for i in range(3, 503)}              # questions the quiz does not have
    visitor.post(QUIZ, dict(good, **extra), token_from=QUIZ)
    visitor.post(QUIZ, dict(good, q2="\u0645" * 200, with_help="x" * 5000), token_from=QUIZ)


def _facilitator_steps(visitor: Visitor, uuid: str) -> None:
    page = f"/facilitator/learners/{uuid}"
    with database.connection_context():
        twin, gone = (Learner.get(Learner.name == name).uuid for name in ("Dede", "Erin"))
    texts = TEXTS + [raw.decode("latin-1") for raw in RAW_VALUES]
    for text in texts:
        visitor.post(page + "/help", {"lesson": text, "with_help": text}, token_from=page)
        visitor.post(page + "/merge", {"other": text, "confirm": text}, token_from=page)
        visitor.post(f"/facilitator/learners/{gone}/erase", {"confirm_name": text}, token_from=page)
    for text in texts:                    # a few are fine names: the card is renamed to them
        visitor.post(page + "/rename", {"name": text}, token_from=page)
    for raw in RAW_VALUES:
        visitor.post_raw(page + "/rename", [(b"name", raw)], token_from=page)
    visitor.post(page + "/rename", dict(EXTRA, name="Awa Renamed"), token_from=page)
    visitor.post(page + "/help", dict(EXTRA, lesson="basics-mouse", with_help="1"), token_from=page)
    visitor.post(page + "/merge", dict(EXTRA, other=twin, confirm="1"), token_from=page)
    visitor.post(f"/facilitator/learners/{gone}/erase", dict(EXTRA, confirm_name="Erin"), token_from=page)
    for text in texts:                    # the card's PIN and where it travels (learner.pin, learner.roaming)
        visitor.post(page + "/pin", {"pin": text}, token_from=page)
        visitor.post(page + "/travel", {"local_only": text}, token_from=page)
    visitor.post(page + "/pin", dict(EXTRA, pin="2580"), token_from=page)
    visitor.post(page + "/travel", dict(EXTRA, local_only="1"), token_from=page)
