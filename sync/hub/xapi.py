"""Progress as xAPI 1.0.3 statements, for any Learning Record Store.

The actor is a pseudonymous account (the learner's uuid on this hub), never a name; statement ids
are derived from event ids, so exporting twice gives the same statements and an LRS de-duplicates.
Every IRI starts with the hub's configured public address (HUB_URL), never with what a request says
its host is: the command-line export, GET /xapi/statements and the LRS forwarder give the same bytes.
"""
from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

from .models import Event, KioskNumber
from .scopes import NATIONAL, Scope

VERSION = "1.0.3"
# Used when HUB_URL is not set: a name that can never belong to anyone (RFC 2606), so an unset address is
# visible in every statement rather than silently replaced by whatever host a request named.
FALLBACK_URL = "https://relais.invalid"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://relais.invalid/xapi/statement")
ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {name: {"id": ADL + name, "display": {"en-US": name}}
         for name in ("experienced", "completed", "answered", "passed", "failed")}
TYPES = {"lesson": "http://adlnet.gov/expapi/activities/lesson", "course": "http://adlnet.gov/expapi/activities/course",
         "quiz": "http://adlnet.gov/expapi/activities/assessment",
         "question": "http://adlnet.gov/expapi/activities/cmi.interaction"}
MAPPED = ("lesson.progressed", "lesson.completed", "quiz.attempted", "certificate.issued")
# The event types that can give a statement with each verb (the read endpoint's `verb` filter).
TYPES_OF_VERB = {"experienced": ("lesson.progressed",),
                 "completed": ("lesson.progressed", "lesson.completed", "certificate.issued"),
                 "answered": ("quiz.attempted",), "passed": ("quiz.attempted",), "failed": ("quiz.attempted",)}
AUTHORITY_NAME = "relais-hub"


def public_url(config) -> str:
    """The hub's public address from its settings (HUB_URL), without a final slash; FALLBACK_URL when unset."""
    return (config.get("HUB_URL") or FALLBACK_URL).rstrip("/")


def iso(seconds: float) -> str:
    """A moment as ISO 8601 UTC with milliseconds, as every xAPI timestamp here is written."""
    ms = math.floor(seconds * 1000)          # cut, never rounded up: `since`/`until` compare what is shown
    moment = datetime.fromtimestamp(ms // 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def timestamp(hlc: str) -> str:
    """The HLC's wall time as ISO 8601 UTC with milliseconds."""
    return iso(int(hlc.split("-")[0]) / 1000)


def activity(home: str, kind: str, key: str, suffix: str = "") -> dict:
    return {"objectType": "Activity", "id": f"{home}/xapi/activities/{kind}/{quote(str(key), safe='')}{suffix}",
            "definition": {"type": TYPES[kind], "name": {"und": str(key)}}}


def authority(home: str) -> dict:
    """The agent vouching for every statement: this hub, which received the events from its kiosks."""
    return {"objectType": "Agent", "account": {"homePage": home, "name": AUTHORITY_NAME}}


def statement_id(event_id: str, question: int = 0) -> str:
    """The stable id of an event's statement (`question`: a quiz's answered statement, from 1): one way, uuid5."""
    return str(uuid.uuid5(NAMESPACE, f"{event_id}/{question}" if question else event_id))


def statement_ids(event_id: str, type_: str, payload: str | None) -> list[str]:
    """The ids of the statements an event gives (as statements_for makes them), without making them."""
    p = json.loads(payload) if payload is not None and type_ in MAPPED else None
    if not p:
        return []
    answers = p.get("correct") if type_ == "quiz.attempted" else None
    return [statement_id(event_id)] + [statement_id(event_id, n + 1)
                                       for n in range(len(answers) if isinstance(answers, list) else 0)]


def statements_for(event: Event, home: str) -> list[dict]:
    """The statements one stored event gives (none for profile events: they stay on the hub)."""
    if event.payload is None or event.type not in MAPPED:
        return []
    p = json.loads(event.payload)
    if not p:
        return []
    base = {"actor": {"objectType": "Agent", "account": {"homePage": home, "name": str(event.learner_uuid)}},
            "timestamp": timestamp(event.hlc), "version": VERSION,
            "context": {"platform": "Relais", "extensions": {f"{home}/xapi/extensions/kiosk": str(event.kiosk_id)}}}
    received = getattr(event, "received_at", None)
    if received is not None:
        base.update(stored=iso(received), authority=authority(home))
    if p.get("course"):
        base["context"]["contextActivities"] = {"parent": [activity(home, "course", p["course"])]}
    event_id = str(event.id)
    sid = statement_id(event_id)
    if event.type == "certificate.issued":
        return [dict(base, id=sid, verb=VERBS["completed"], object=activity(home, "course", p.get("course", "")),
                     result={"completion": True})]
    if event.type == "quiz.attempted":
        return _quiz(base, sid, event_id, p, home)
    done = event.type == "lesson.completed" or p.get("status") == "completed"
    result = {"duration": f"PT{_count(p.get('time_spent'))}S"}
    if done:
        result["completion"] = True
    return [dict(base, id=sid, verb=VERBS["completed" if done else "experienced"],
                 object=activity(home, "lesson", p.get("lesson", "")), result=result)]


def _count(value) -> int:
    """A count from a payload (a score, seconds spent): 0 unless it is a whole number, never below 0.

    A payload is any JSON object a kiosk sent (the hub keeps what it cannot merge); "3", [3] or 2.5
    must not stop the export of every other statement."""
    return max(value, 0) if isinstance(value, int) and not isinstance(value, bool) else 0


def _quiz(base: dict, sid: str, event_id: str, p: dict, home: str) -> list[dict]:
    """One passed/failed statement for the attempt, one answered statement per question."""
    quiz = activity(home, "quiz", p.get("lesson", ""))
    total, score = _count(p.get("total")), _count(p.get("score"))
    result = {"success": bool(p.get("passed")), "completion": True,
              "score": {"raw": score, "min": 0, "max": max(total, score)}}
    if total:
        result["score"]["scaled"] = round(min(score / total, 1.0), 4)
    out = [dict(base, id=sid, verb=VERBS["passed" if p.get("passed") else "failed"], object=quiz, result=result)]
    answers = p.get("correct")
    for number, correct in enumerate(answers if isinstance(answers, list) else []):
        question = activity(home, "question", p.get("lesson", ""), f"/{number + 1}")
        out.append(dict(base, id=statement_id(event_id, number + 1), verb=VERBS["answered"],
                        object=question, result={"success": bool(correct)},
                        context=dict(base["context"], contextActivities={"parent": [quiz]})))
    return out


def mapped_events(scope: Scope):
    """The events of `scope`'s kiosks that give statements, as a query to narrow and order; each event read
    from it has its kiosk's id as `kiosk_id` (events keep the kiosk's number)."""
    return (Event.select(Event, KioskNumber.kiosk_id).join(KioskNumber, on=(KioskNumber.number == Event.kiosk))
            .where(Event.type.in_(MAPPED) & Event.payload.is_null(False) & scope.covers_kiosk(KioskNumber.kiosk_id))
            .objects())


def page(home: str, scope: Scope, after: int = 0, limit: int = 200) -> tuple[list[dict], int | None]:
    """Statements from events of `scope`'s kiosks stored after row `after`; the last row read, when there may be more."""
    events = list(mapped_events(scope).where(Event.row > after).order_by(Event.row).limit(limit))
    statements = [s for e in events for s in statements_for(e, home)]
    return statements, (events[-1].row if len(events) == limit else None)


def encode(statement: dict) -> str:
    """One statement as the bytes every way out writes (the export file, the endpoint, the forwarder)."""
    return json.dumps(statement, ensure_ascii=False)


def export(path, home: str, scope: Scope = NATIONAL) -> int:
    """Write every statement of `scope` to a JSON array file (what an LRS's POST /statements takes); the count."""
    count, after = 0, 0
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        while after is not None:
            statements, after = page(home, scope, after, 1000)
            for statement in statements:
                out.write(("," if count else "") + "\n" + encode(statement))
                count += 1
        out.write("\n]\n")
    return count
