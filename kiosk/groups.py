"""Workshops: a named group of learners with the courses assigned to it."""
from __future__ import annotations

import time

from peewee import IntegrityError

from .db import database
from .models import GroupCourse, GroupMember, Learner, LearnerGroup

MAX_ID = 2**63 - 1          # the largest row id SQLite stores; a larger number names no row


class GroupError(ValueError):
    pass


def get(group_id: int) -> LearnerGroup | None:
    """The group with this id, or None (also for a number too large to be an id)."""
    return LearnerGroup.get_or_none(LearnerGroup.id == group_id) if 0 < group_id <= MAX_ID else None


def create(name: str, now: float | None = None) -> LearnerGroup:
    name = " ".join((name or "").split())
    if not name:
        raise GroupError("empty")
    try:
        return LearnerGroup.create(name=name[:80], created_at=now or time.time())
    except IntegrityError as exc:
        raise GroupError("exists") from exc


def set_members(group: LearnerGroup, learner_ids: list[int]) -> None:
    with database.atomic():
        GroupMember.delete().where(GroupMember.group == group).execute()
        wanted = [i for i in learner_ids or [] if 0 < i <= MAX_ID]
        valid = [le.id for le in Learner.select(Learner.id).where(Learner.id.in_(wanted or [0]))]
        for learner_id in valid:
            GroupMember.create(group=group, learner=learner_id)


def set_courses(group: LearnerGroup, course_ids: list[str]) -> None:
    with database.atomic():
        GroupCourse.delete().where(GroupCourse.group == group).execute()
        for course_id in dict.fromkeys(course_ids):
            GroupCourse.create(group=group, course_id=course_id)


def members(group: LearnerGroup) -> list[Learner]:
    return list(Learner.select().join(GroupMember).where(GroupMember.group == group).order_by(Learner.name))


def course_ids(group: LearnerGroup) -> list[str]:
    return [c.course_id for c in GroupCourse.select().where(GroupCourse.group == group)]


# Every home page asks: prepared SQL, since building the join through peewee cost more than running it.
_FOR_LEARNER = (f"SELECT c.course_id FROM {GroupCourse._meta.table_name} c JOIN {GroupMember._meta.table_name} m"
                " ON m.group_id = c.group_id WHERE m.learner_id = ?")


def for_learner(learner: Learner) -> list[str]:
    """Courses assigned to any group the learner belongs to (shown first on their home page)."""
    return [course_id for (course_id,) in database.execute_sql(_FOR_LEARNER, (learner.id,)).fetchall()]
