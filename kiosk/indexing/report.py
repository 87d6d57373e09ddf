"""What an indexing run found: counts, files skipped and every problem with its file and line."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..content.problems import Problem

PARSER_VERSION = "4"      # bump to re-parse everything after a change in how lessons are read


@dataclass
class IndexReport:
    courses: int = 0
    lessons: int = 0
    parsed: int = 0
    skipped: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    problem_count: int = 0

    def kept(self) -> IndexReport:
        """The report as a serving kiosk holds it: counts and skipped files, its problems left in the database
        (indexing.stored_problems() reads them for the facilitator). Trainers' own files can carry thousands
        of warnings: the bench's 1,000 generated lessons carry 18,000, which held 3.6 MB for the process's life."""
        return replace(self, problems=[])
