"""What hub facilitators read: kiosks and their lag, learners a page at a time, dashboards, CSV rows.

Each takes the reader's scope (sync/hub/scopes.py), without a default: a page cannot forget it. Learners
and dashboards read the summaries kept at ingest (summaries.py), never the events; lists go a page at a
time in a fixed order (keyset paging: each page costs the same, however far it is); exports are generators
reading a chunk at a time, so a hub's memory does not grow with its number of learners."""
from __future__ import annotations

import time
from collections import defaultdict

import peewee as pw

from sync.base.spreadsheet import csv_safe  # noqa: F401  (one rule with the kiosk; the CSV view calls it here)

from . import keyset, set_aside
from .db import is_postgres
from .keyset import Page
from .models import CentreRegion, Kiosk, KioskContent, KioskEpoch, KioskSummary, LearnerCourse, LearnerSummary
from .scopes import Scope, known_centres
from .summaries import name_key

PAGE_SIZE = 50
CHUNK = 1000
S = LearnerSummary
ORDER = (S.centre, S.name_key, S.learner_uuid)
KIOSK_ORDER = (Kiosk.centre, Kiosk.enrolled_at, Kiosk.id)


def kiosk_page(scope: Scope, cursor: str = "", size: int = 50, now: float | None = None) -> Page:
    """A page of the scope's kiosks, by centre then enrolment: when each was last heard from, events received,
    what it still held then, the courses it serves and its events set aside (read for the page's kiosks only)."""
    now = now or time.time()
    page = keyset.page(Kiosk.select().where(_in_scope(scope, Kiosk.centre)), KIOSK_ORDER, cursor, size)
    ids = [k["id"] for k in page.rows]
    acked = defaultdict(dict)
    for row in KioskEpoch.select().where(KioskEpoch.kiosk.in_(ids)) if ids else []:
        acked[row.kiosk_id][row.epoch] = row.acked_seq
    content = {row.kiosk_id: row for row in KioskContent.select().where(KioskContent.kiosk_id.in_(ids))} if ids else {}
    aside = set_aside.counts_by_kiosk(ids) if ids else {}
    page.rows = [{"id": k["id"], "centre": k["centre"], "enrolled_at": k["enrolled_at"], "last_seen": k["last_seen"],
                  "silent_for": (now - k["last_seen"]) if k["last_seen"] else None, "events": k["events_received"],
                  "waiting": k["pending_reported"], "acked": acked.get(k["id"], {}), "content": content.get(k["id"]),
                  "set_aside": aside.get(k["id"], 0)} for k in page.rows]
    return page


def learner_page(scope: Scope, find: str = "", cursor: str = "", size: int = PAGE_SIZE) -> Page:
    """A page of the scope's learners, by centre then name; `find` keeps names holding it.

    `cursor` is a link's (">…": the page after a learner, "<…": the page before one; "": the first)."""
    query = S.select().where(_in_scope(scope, S.centre))
    find = "".join(c for c in find if c.isprintable()).strip()     # NUL would be a 500 on PostgreSQL
    if find:
        query = query.where(_holding(find))
    return keyset.page(query, ORDER, cursor, size)


def _in_scope(scope: Scope, centre) -> pw.Node:
    """The scope's centres named one by one: the index then starts at each centre instead of filtering them all."""
    return scope.covers_centre(centre) if scope.national else centre.in_(known_centres(scope))


def _holding(find: str) -> pw.Node:
    """name_key holding `find` (both casefolded), with the user's own % and _ taken literally.

    PostgreSQL: ILIKE '%find%', which the trigram index of migration 12 serves when pg_trgm could be installed
    (else the same words read the scope's rows, as SQLite's LIKE does)."""
    escaped = name_key(find).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = "ILIKE" if is_postgres() else "LIKE"
    return pw.NodeList([S.name_key, pw.SQL(like), pw.Value(f"%{escaped}%"), pw.SQL("ESCAPE '\\'")])


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
        query = S.select(S.centre, S.name_key, S.learner_uuid, S.name).where(_in_scope(scope, S.centre))
        people = list(keyset.after(query, ORDER, key).order_by(*ORDER).limit(chunk).dicts())
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
        key = keyset.key_of(ORDER, people[-1])


def courses_of(rows: list[dict]) -> dict[str, list[str]]:
    """{learner: the courses they have worked in} for a page's rows (one query for the page)."""
    found = defaultdict(list)
    for learner, course in (LearnerCourse.select(LearnerCourse.learner_uuid, LearnerCourse.course_id)
                            .where(LearnerCourse.learner_uuid.in_([r["learner_uuid"] for r in rows]))
                            .order_by(LearnerCourse.course_id).tuples() if rows else []):
        found[learner].append(course)
    return found
