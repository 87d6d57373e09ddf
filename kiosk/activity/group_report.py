"""The figures of a group's report for a funder, over a period: its learners, their hours, the lessons they
finished alone or with help, the group's meetings and the CRCN competences worked on alone.

Hours and meetings come from the learner-sessions the activity export counts (sessions.py), so the report
and the Coop's file never disagree; competences from the competence map, for the same period.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from .. import groups
from ..models import LearnerGroup, Progress
from .competences import competence_map
from .sessions import learner_sessions


@dataclass
class LearnerLine:
    name: str
    days: int = 0               # days the learner worked on the kiosk in the period
    seconds: int = 0
    alone: int = 0              # lessons finished without help in the period
    helped: int = 0             # lessons finished with help


@dataclass
class GroupReport:
    group: LearnerGroup
    start: date
    end: date
    lines: list[LearnerLine] = field(default_factory=list)
    meetings: int = 0           # days the group met (two members or more on its courses)
    competences: list[dict] = field(default_factory=list)

    @property
    def total(self) -> LearnerLine:
        return LearnerLine("", sum(li.days for li in self.lines), sum(li.seconds for li in self.lines),
                           sum(li.alone for li in self.lines), sum(li.helped for li in self.lines))

    @property
    def active(self) -> int:
        """Members who did something in the period."""
        return sum(1 for li in self.lines if li.days)


def period_stamps(start: date, end: date) -> tuple[float, float]:
    """The period as two timestamps: from `start`'s midnight to the last instant of `end` (local time)."""
    after = datetime.combine(end + timedelta(days=1), time())
    return datetime.combine(start, time()).timestamp(), after.timestamp() - 0.001


def group_report(group: LearnerGroup, start: date, end: date, lang: str) -> GroupReport:
    """The report's figures for `group` from `start` to `end` (both included)."""
    members = groups.members(group)
    report = GroupReport(group, start, end)
    lines = {person.id: LearnerLine(person.name) for person in members}
    met = set()
    for session in learner_sessions(start, end):
        line = lines.get(session.learner.id)
        if line is not None:
            line.days += 1
            line.seconds += session.seconds
            if session.group == group.name:
                met.add(session.day)
    within = period_stamps(start, end)
    done = Progress.select(Progress.learner, Progress.with_help).where(
        Progress.learner.in_(list(lines) or [0]) & (Progress.status == "completed")
        & Progress.completed_at.between(*within))
    for row in done:
        line = lines[row.learner_id]
        if row.with_help:
            line.helped += 1
        else:
            line.alone += 1
    report.lines = list(lines.values())
    report.meetings = len(met)
    report.competences = competence_map(list(lines), lang, within)
    return report
