"""What hub facilitators read: kiosks and their lag, learners a page at a time, dashboards, CSV rows.

Each takes the reader's scope (sync/hub/scopes.py), without a default: a page cannot forget it. Learners
and dashboards read the summaries kept at ingest (summaries.py), never the events; lists go a page at a
time in a fixed order (keyset paging: each page costs the same, however far it is); exports are generators
reading a chunk at a time, so a hub's memory does not grow with its number of learners."""
from __future__ import annotations

import base64
import json
import time
from collections import defaultdict
from dataclasses import dataclass

import peewee as pw

from sync.base.spreadsheet import csv_safe  # noqa: F401  (one rule with the kiosk; the CSV view calls it here)

from .models import CentreRegion, Kiosk, KioskContent, KioskEpoch, KioskSummary, LearnerCourse, LearnerSummary
from .scopes import Scope, known_centres
from .summaries import name_key


def kiosks(scope: Scope, now: float | None = None) -> list[dict]:
    """Each kiosk of the scope: when it was last heard from, events received, and what it still held then."""
    now = now or time.time()
    acked = defaultdict(dict)
    for row in KioskEpoch.select().where(scope.covers_kiosk(KioskEpoch.kiosk)):
        acked[row.kiosk_id][row.epoch] = row.acked_seq
    content = {row.kiosk_id: row for row in KioskContent.select().where(scope.covers_kiosk(KioskContent.kiosk_id))}
    return [{"id": k.id, "centre": k.centre, "enrolled_at": k.enrolled_at, "last_seen": k.last_seen,
             "silent_for": (now - k.last_seen) if k.last_seen else None, "events": k.events_received,
             "waiting": k.pending_reported, "acked": acked.get(k.id, {}), "content": content.get(k.id)}
            for k in Kiosk.select().where(scope.covers_centre(Kiosk.centre)).order_by(Kiosk.centre, Kiosk.enrolled_at)]


PAGE_SIZE = 50
CHUNK = 1000
S = LearnerSummary
ORDER = (S.centre, S.name_key, S.learner_uuid)


@dataclass
class Page:
    rows: list[dict]
    next: str | None          # the cursor of the page after, or None on the last
    previous: str | None      # the cursor of the page before, or None on the first


def learner_page(scope: Scope, find: str = "", cursor: str = "", size: int = PAGE_SIZE) -> Page:
    """A page of the scope's learners, by centre then name; `find` keeps names holding it.

    `cursor` is a link's (">…": the page after a learner, "<…": the page before one; "": the first)."""
    query = S.select().where(_in_scope(scope))
    find = "".join(c for c in find if c.isprintable()).strip()     # NUL would be a 500 on PostgreSQL
    if find:
        query = query.where(_holding(find))
    key, backwards = _key(cursor)
    if key:
        query = query.where(pw.Tuple(*ORDER) < pw.Tuple(*key) if backwards else pw.Tuple(*ORDER) > pw.Tuple(*key))
    order = [c.desc() for c in ORDER] if backwards else list(ORDER)
    rows = list(query.order_by(*order).limit(size + 1).dicts())
    more = len(rows) > size
    rows = rows[:size][::-1] if backwards else rows[:size]
    if not rows:
        return Page([], None, None)
    first, last = _cursor("<", rows[0]), _cursor(">", rows[-1])
    if backwards:                     # came from a later page: there is one after; one before if more
        return Page(rows, last, first if more else None)
    return Page(rows, last if more else None, first if key else None)


def _in_scope(scope: Scope) -> pw.Node:
    """The scope's centres named one by one: the index then starts at each centre instead of filtering them all."""
    return scope.covers_centre(S.centre) if scope.national else S.centre.in_(known_centres(scope))


def _holding(find: str) -> pw.Node:
    """name_key LIKE '%find%', with the user's own % and _ taken literally."""
    escaped = name_key(find).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return pw.NodeList([S.name_key, pw.SQL("LIKE"), pw.Value(f"%{escaped}%"), pw.SQL("ESCAPE '\\'")])


def _cursor(direction: str, row: dict) -> str:
    key = json.dumps([row["centre"], row["name_key"], row["learner_uuid"]], ensure_ascii=False)
    return direction + base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _key(cursor: str) -> tuple[list[str] | None, bool]:
    """(the learner key a cursor names, whether it pages backwards); (None, False) for "" or nonsense."""
    if len(cursor) < 2 or cursor[0] not in "<>":
        return None, False
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor[1:] + "=" * (-len(cursor[1:]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None, False
    if not (isinstance(key, list) and len(key) == 3 and all(isinstance(k, str) and "\x00" not in k for k in key)):
        return None, False
    return key, cursor[0] == "<"


def dashboard(scope: Scope) -> dict:
    """The scope's totals by region and by centre, added up from the kiosks' summaries (a row per kiosk)."""
    k = KioskSummary
    sums = [pw.fn.SUM(getattr(k, c)).alias(c) for c in ("learners", "lessons_completed", "done_alone",
                                                         "done_with_help", "seconds", "quizzes_passed", "certificates")]
    centres = list(k.select(k.centre, CentreRegion.region, *sums, pw.fn.MAX(k.last_seen).alias("last_seen"))
                   .join(CentreRegion, pw.JOIN.LEFT_OUTER, on=(CentreRegion.centre == k.centre))
                   .where(scope.covers_centre(k.centre)).group_by(k.centre, CentreRegion.region)
                   .order_by(k.centre).dicts())
    regions: dict = defaultdict(lambda: defaultdict(int))
    total: dict = defaultdict(int)
    for row in centres:
        row["minutes"] = round((row["seconds"] or 0) / 60)
        for name, value in row.items():
            if name not in ("centre", "region", "last_seen"):
                regions[row["region"] or ""][name] += value or 0
                total[name] += value or 0
        regions[row["region"] or ""]["centres"] += 1
    return {"total": dict(total), "regions": sorted(regions.items()), "centres": centres}


CSV_COLUMNS = ["centre", "learner", "name", "course", "lessons_started", "lessons_completed", "minutes",
               "quiz_attempts", "quizzes_passed", "done_alone", "done_with_help"]


def learner_csv_rows(scope: Scope, chunk: int = CHUNK):
    """Every (learner, course) row of the scope, in the learners page's order, `chunk` learners at a time.

    Learners are read in the order of their index (keyset, as the page), then their courses by learner."""
    key = None
    while True:
        query = S.select(S.centre, S.name_key, S.learner_uuid, S.name).where(_in_scope(scope))
        if key:
            query = query.where(pw.Tuple(*ORDER) > pw.Tuple(*key))
        people = list(query.order_by(*ORDER).limit(chunk).dicts())
        courses = defaultdict(list)
        for row in (LearnerCourse.select().where(LearnerCourse.learner_uuid.in_([p["learner_uuid"] for p in people]))
                    .order_by(LearnerCourse.learner_uuid, LearnerCourse.course_id).dicts() if people else []):
            courses[row["learner_uuid"]].append(row)
        for person in people:
            for row in courses[person["learner_uuid"]]:
                yield {"centre": person["centre"], "learner": person["learner_uuid"], "name": person["name"] or "",
                       "course": row["course_id"], "minutes": round(row["seconds"] / 60),
                       **{k: row[k] for k in CSV_COLUMNS[4:] if k != "minutes"}}
        if len(people) < chunk:
            return
        key = (people[-1]["centre"], people[-1]["name_key"], people[-1]["learner_uuid"])


def courses_of(rows: list[dict]) -> dict[str, list[str]]:
    """{learner: the courses they have worked in} for a page's rows (one query for the page)."""
    found = defaultdict(list)
    for learner, course in (LearnerCourse.select(LearnerCourse.learner_uuid, LearnerCourse.course_id)
                            .where(LearnerCourse.learner_uuid.in_([r["learner_uuid"] for r in rows]))
                            .order_by(LearnerCourse.course_id).tuples() if rows else []):
        found[learner].append(course)
    return found
