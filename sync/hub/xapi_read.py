"""The rules of the xAPI Statement resource's GET (xAPI 1.0.3, 2.13 "Statement Resource"), for what the hub offers.

A request is checked whole before anything is read (`parse`): a parameter the hub does not offer, or one
written wrongly, is refused with the reason, as the specification asks of an LRS. Statements come newest
first (the order the hub stored their events) unless `ascending=true`; `limit` counts statements, so a
page may end inside one event's statements (a quiz gives one per question): the cursor `after` says
"ROW.SKIP", resume at that event after its first SKIP matching statements.
"""
from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from . import statement_refs
from .models import Event
from .scopes import Scope
from .xapi import ADL, TYPES_OF_VERB, mapped_events, statements_for

MAX_LIMIT = 500                     # statements per page, and what limit=0 (the server's maximum) gives
CHUNK = 200                         # events read at a time while a page fills
CURSOR = re.compile(r"([0-9]{1,18})\.([0-9]{1,6})")      # ROW.SKIP
OFFERED = {"statementId", "voidedStatementId", "agent", "verb", "since", "until", "limit", "ascending",
           "format", "attachments", "after"}
NOT_OFFERED = {"activity", "registration", "related_activities", "related_agents"}
ALONE = {"statementId", "voidedStatementId"}


class Refused(ValueError):
    """A request the endpoint answers with 400 and this reason."""


@dataclass(frozen=True)
class Query:
    statement_id: str | None = None
    voided: bool = False
    verb: str | None = None          # the verb's last word (completed…), or "" when no statement can have it
    learner: str | None = None       # the agent's account name, or "" when the agent is not one of this hub's
    since: int | None = None         # milliseconds, as `stored` is written
    until: int | None = None
    ascending: bool = False
    limit: int = MAX_LIMIT
    cursor: tuple[int, int] | None = None


def parse(args, home: str) -> Query:
    """The query a request's parameters ask for; Refused with the reason when the hub cannot answer it."""
    names = set(args)
    if names & NOT_OFFERED:
        raise Refused(f"this hub does not offer the {', '.join(sorted(names & NOT_OFFERED))} parameter(s); "
                      f"it offers {', '.join(sorted(OFFERED))}")
    if names - OFFERED:
        raise Refused(f"unknown parameter(s): {', '.join(sorted(names - OFFERED))}")
    if args.get("format", "exact") not in ("exact", "canonical"):
        raise Refused("format must be exact or canonical (this hub's statements have one language each)")
    if args.get("attachments", "false") not in ("true", "false"):
        raise Refused("attachments must be true or false")
    if names & ALONE:
        if len(names & ALONE) > 1 or names - ALONE - {"format", "attachments"}:
            raise Refused("statementId and voidedStatementId go alone (with format and attachments at most)")
        key = (names & ALONE).pop()
        return Query(statement_id=_uuid(args[key], key), voided=key == "voidedStatementId")
    return Query(verb=_verb(args.get("verb")), learner=_agent(args.get("agent"), home),
                 since=_moment(args.get("since"), "since"), until=_moment(args.get("until"), "until"),
                 ascending=_flag(args.get("ascending", "false")), limit=_limit(args.get("limit", "0")),
                 cursor=_cursor(args.get("after")))


def _uuid(text: str, name: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise Refused(f"{name} must be a UUID") from None


def _verb(iri: str | None) -> str | None:
    if iri is None:
        return None
    word = iri[len(ADL):] if iri.startswith(ADL) else ""
    return word if word in TYPES_OF_VERB else ""


def _agent(text: str | None, home: str) -> str | None:
    if text is None:
        return None
    try:
        agent = json.loads(text)
    except ValueError:
        raise Refused("agent must be an Agent as JSON") from None
    if not isinstance(agent, dict) or not any(k in agent for k in ("mbox", "mbox_sha1sum", "openid", "account")):
        raise Refused("agent must be an Agent as JSON, with one identifier (mbox, mbox_sha1sum, openid or account)")
    account = agent.get("account")
    if isinstance(account, dict) and str(account.get("homePage", "")).rstrip("/") == home \
            and isinstance(account.get("name"), str):
        try:
            return str(uuid.UUID(account["name"]))
        except ValueError:
            pass
    return ""                       # this hub names learners by their uuid, on an account of its own address


def _moment(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(f"{name} must be an ISO 8601 timestamp, for example 2026-12-01T08:00:00Z") from None
    if moment.tzinfo is None:
        raise Refused(f"{name} must say its time zone (Z for UTC)")
    return math.floor(moment.timestamp() * 1000)


def _flag(text: str) -> bool:
    if text not in ("true", "false"):
        raise Refused("ascending must be true or false")
    return text == "true"


def _limit(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,18}", text):        # str.isdigit() lets "²" through to int()
        raise Refused("limit must be a whole number written with the digits 0-9")
    return min(int(text), MAX_LIMIT) or MAX_LIMIT


def _cursor(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    found = CURSOR.fullmatch(text if "." in text else text + ".0")
    if not found:
        raise Refused("after must be a cursor from a `more` link")
    return int(found.group(1)), int(found.group(2))


def read(query: Query, scope: Scope, home: str) -> tuple[list[dict], str | None]:
    """A page of `scope`'s statements matching `query`, and the cursor of the next page (None: no more)."""
    if query.verb == "" or query.learner == "":
        return [], None                          # a verb or an agent no statement of this hub has
    events = mapped_events(scope)
    if query.verb is not None:
        events = events.where(Event.type.in_(TYPES_OF_VERB.get(query.verb, ())))
    if query.learner is not None:
        events = events.where(Event.learner_uuid == query.learner)
    if query.since is not None:              # `stored` is received_at cut to the millisecond: compare as it is shown
        events = events.where(Event.received_at >= (query.since + 1) / 1000)
    if query.until is not None:
        events = events.where(Event.received_at < (query.until + 1) / 1000)
    order = Event.row.asc() if query.ascending else Event.row.desc()
    row, skip = query.cursor or (None, 0)
    found: list[dict] = []
    while True:
        chunk = events if row is None else events.where((Event.row >= row) if query.ascending else (Event.row <= row))
        batch = list(chunk.order_by(order).limit(CHUNK))
        for event in batch:
            made = [s for s in statements_for(event, home) if _verb_matches(query, s)]
            start = skip if event.row == row else 0
            for number in range(start, len(made)):
                if len(found) == query.limit:
                    return found, f"{event.row}.{number}"
                found.append(made[number])
        if len(batch) < CHUNK:
            return found, None
        row, skip = batch[-1].row, 1 << 20                 # the last event read is done, all of it


def _verb_matches(query: Query, statement: dict) -> bool:
    return query.verb is None or statement["verb"]["id"] == ADL + query.verb


def one(query: Query, scope: Scope, home: str) -> dict | None:
    """The statement called `query.statement_id` in `scope`, or None (this hub never voids a statement).

    Its event is found through the table of statement ids (sync/hub/statement_refs.py): a read or two,
    whatever the number of events held."""
    event = None if query.voided else statement_refs.find(query.statement_id, scope)
    return next((s for s in statements_for(event, home) if s["id"] == query.statement_id), None) if event else None
