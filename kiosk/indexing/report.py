"""What an indexing run found: counts, files skipped and every problem with its file and line."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..content.problems import Problem

PARSER_VERSION = "4"      # bump to re-parse everything after a change in how lessons are read


@dataclass
class IndexReport:
    courses: int = 0
    lessons: int = 0
    parsed: int = 0
    skipped: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)   # none when indexed with problems=False
    seconds: float = 0.0
    problem_count: int = 0
