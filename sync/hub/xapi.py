"""Progress as xAPI 1.0.3 statements, for any Learning Record Store.

The actor is a pseudonymous account (the learner's uuid on this hub), never a name; statement ids
are derived from event ids, so exporting twice gives the same statements and an LRS de-duplicates.
"""
from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

from flask import Blueprint, Response, current_app, request, url_for

from . import auth
from .models import Event
from .scopes import NATIONAL, Scope
from .signed_in import current_facilitator, current_scope, use_account

bp = Blueprint("xapi", __name__)
VERSION = "1.0.3"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://relais.invalid/xapi/statement")
ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {name: {"id": ADL + name, "display": {"en-US": name}}
         for name in ("experienced", "completed", "answered", "passed", "failed")}
TYPES = {"lesson": "http://adlnet.gov/expapi/activities/lesson", "course": "http://adlnet.gov/expapi/activities/course",
         "quiz": "http://adlnet.gov/expapi/activities/assessment",
         "question": "http://adlnet.gov/expapi/activities/cmi.interaction"}
MAPPED = ("lesson.progressed", "lesson.completed", "quiz.attempted", "certificate.issued")
ROW = re.compile(r"[0-9]{1,18}")            # a row number or a page size: fits the database's 64-bit integers


def init_app(app) -> None:
    app.register_blueprint(bp)


def timestamp(hlc: str) -> str:
    """The HLC's wall time as ISO 8601 UTC with milliseconds."""
    ms = int(hlc.split("-")[0])
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def activity(home: str, kind: str, key: str, suffix: str = "") -> dict:
    return {"objectType": "Activity", "id": f"{home}/xapi/activities/{kind}/{quote(str(key), safe='')}{suffix}",
            "definition": {"type": TYPES[kind], "name": {"und": str(key)}}}


def statements_for(event: Event, home: str) -> list[dict]:
    """The statements one stored event gives (none for profile events: they stay on the hub)."""
    if event.payload is None or event.type not in MAPPED:
        return []
    p = json.loads(event.payload)
    if not p:
        return []
    base = {"actor": {"objectType": "Agent", "account": {"homePage": home, "name": event.learner_uuid}},
            "timestamp": timestamp(event.hlc), "version": VERSION,
            "context": {"platform": "Relais", "extensions": {f"{home}/xapi/extensions/kiosk": event.kiosk_id}}}
    if p.get("course"):
        base["context"]["contextActivities"] = {"parent": [activity(home, "course", p["course"])]}
    sid = str(uuid.uuid5(NAMESPACE, event.id))
    if event.type == "certificate.issued":
        return [dict(base, id=sid, verb=VERBS["completed"], object=activity(home, "course", p.get("course", "")),
                     result={"completion": True})]
    if event.type == "quiz.attempted":
        return _quiz(base, sid, event.id, p, home)
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
        out.append(dict(base, id=str(uuid.uuid5(NAMESPACE, f"{event_id}/{number + 1}")), verb=VERBS["answered"],
                        object=question, result={"success": bool(correct)},
                        context=dict(base["context"], contextActivities={"parent": [quiz]})))
    return out


def page(home: str, scope: Scope, after: int = 0, limit: int = 200) -> tuple[list[dict], int | None]:
    """Statements from events of `scope`'s kiosks stored after row `after`; the last row read, when there may be more."""
    events = list(Event.select().where((Event.row > after) & Event.type.in_(MAPPED) & Event.payload.is_null(False)
                                       & scope.covers_kiosk(Event.kiosk_id))
                  .order_by(Event.row).limit(limit))
    statements = [s for e in events for s in statements_for(e, home)]
    return statements, (events[-1].row if len(events) == limit else None)


def export(path, home: str, scope: Scope = NATIONAL) -> int:
    """Write every statement of `scope` to a JSON array file (what an LRS's POST /statements takes); the count."""
    count, after = 0, 0
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        while after is not None:
            statements, after = page(home, scope, after, 1000)
            for statement in statements:
                out.write(("," if count else "") + "\n" + json.dumps(statement, ensure_ascii=False))
                count += 1
        out.write("\n]\n")
    return count


def home_page() -> str:
    return (current_app.config.get("HUB_URL") or request.host_url).rstrip("/")


def _allowed() -> bool:
    """Whether a facilitator is signed in or sent a right HTTP Basic password (then bound to the request)."""
    if current_facilitator() is not None:
        return True
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        name, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    use_account(auth.check_login(name, password))
    return current_facilitator() is not None


@bp.get("/xapi/statements")
def statements():
    """GET /xapi/statements[?after=ROW&limit=N]: a StatementResult with a `more` link."""
    if not _allowed():
        return Response("Sign in (HTTP Basic, a hub facilitator account).", 401,
                        {"WWW-Authenticate": 'Basic realm="Relais hub"'})
    after = request.args.get("after", "0")
    limit = request.args.get("limit", "200")
    if not ROW.fullmatch(after) or not ROW.fullmatch(limit):      # str.isdigit() lets "²" through to int()
        return Response("after and limit must be whole numbers written with the digits 0-9", 400)
    found, last = page(home_page(), current_scope(), int(after), max(1, min(int(limit), 1000)))
    more = url_for(".statements", after=last, limit=limit) if last else ""
    body = json.dumps({"statements": found, "more": more}, ensure_ascii=False)
    return Response(body, mimetype="application/json", headers={"X-Experience-API-Version": VERSION})
