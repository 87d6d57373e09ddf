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

from ..models import Course, GroupCourse, GroupMember, Learner, LearnerGroup, Lesson, LessonVersion, Progress


@dataclass
class LearnerSession:
    learner: Learner
    day: date
    seconds: int = 0
    lessons: list[str] = field(default_factory=list)        # lesson keys
    courses: set[str] = field(default_factory=set)
    with_help: int = 0                                       # lessons done with help
    group: str = ""                                          # the workshop's name when collective
    position: tuple[int, int] = (1, 1)                       # (this learner, learners) in the workshop

    @property
    def minutes(self) -> int:
        return max(1, round(self.seconds / 60))


def learner_sessions(start: date, end: date) -> list[LearnerSession]:
    """Every learner-session from `start` to `end` (both included), by day then learner's name."""
    sessions: dict[tuple[int, date], LearnerSession] = {}
    query = Progress.select(Progress, Learner).join(Learner)
    for row in query:
        day = datetime.fromtimestamp(row.last_seen).date()
        if not start <= day <= end:
            continue
        item = sessions.setdefault((row.learner_id, day), LearnerSession(learner=row.learner, day=day))
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
