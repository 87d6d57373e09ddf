"""Learner-sessions: one learner's work on one day, read from the kiosk's progress rows.

The kiosk keeps, per learner and lesson, the total time spent and the last time the lesson was open; a
learner-session gathers the lessons whose last visit fell on that day (a lesson read over several days counts
on its last one). A session is collective when the learner is in a group and, that day, worked on one of the
group's courses while at least one other member did too: the group met (see docs/activity-export.md).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sync.base.activity.rows import Session

from ..models import Course, GroupCourse, GroupMember, Learner, LearnerGroup, Lesson, LessonVersion, Progress


@dataclass
class LearnerSession(Session):
    """A shared Session (sync/base/activity) that also knows the kiosk's learner and the courses worked on."""

    learner: Learner | None = None
    courses: set[str] = field(default_factory=set)


def learner_sessions(start: date, end: date) -> list[LearnerSession]:
    """Every learner-session from `start` to `end` (both included), by day then learner's name."""
    sessions: dict[tuple[int, date], LearnerSession] = {}
    query = Progress.select(Progress, Learner).join(Learner)
    for row in query:
        day = datetime.fromtimestamp(row.last_seen).date()
        if not start <= day <= end:
            continue
        item = sessions.get((row.learner_id, day)) or LearnerSession(name=row.learner.name, day=day,
                                                                     learner=row.learner)
        sessions[(row.learner_id, day)] = item
        item.seconds += row.time_spent
        item.lessons.append(row.lesson_key)
        item.courses.add(row.course_id)
        item.with_help += bool(row.with_help)
    found = sorted(sessions.values(), key=lambda s: (s.day, s.learner.name.lower(), s.learner.id))
    _mark_workshops(found)
    return found


def _mark_workshops(sessions: list[LearnerSession]) -> None:
    """Give each session that took place in a group's meeting its group name and place in it."""
    groups = {g.id: g.name for g in LearnerGroup.select()}
    members: dict[int, set[int]] = defaultdict(set)
    for link in GroupMember.select():
        members[link.group_id].add(link.learner_id)
    assigned: dict[int, set[str]] = defaultdict(set)
    for link in GroupCourse.select():
        assigned[link.group_id].add(link.course_id)
    by_day: dict[date, list[LearnerSession]] = defaultdict(list)
    for item in sessions:
        by_day[item.day].append(item)
    for day_sessions in by_day.values():
        for group_id in sorted(groups, key=lambda g: groups[g].lower()):
            present = [s for s in day_sessions if not s.group and s.learner.id in members[group_id]
                       and s.courses & assigned[group_id]]
            if len(present) < 2:
                continue
            for number, item in enumerate(present, start=1):
                item.group, item.position = groups[group_id], (number, len(present))


def lesson_tags() -> dict[str, list[str]]:
    """Each lesson's tags as written in its course's own language (any version's when that one is missing)."""
    tags: dict[str, list[str]] = {}
    query = (LessonVersion.select(LessonVersion.tags, LessonVersion.language, Lesson.key,
                                  Course.language.alias("course_language"))
             .join(Lesson).join(Course))
    for row in query.dicts():
        if row["key"] not in tags or row["language"] == row["course_language"]:
            tags[row["key"]] = list(row["tags"] or [])
    return tags
