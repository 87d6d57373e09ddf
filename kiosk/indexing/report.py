"""What an indexing run found: counts, files skipped and every problem with its file and line."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..content.problems import Problem
from ..models import ContentFile

PARSER_VERSION = "4"      # bump to re-parse everything after a change in how lessons are read
# The files skipped and the number of problems, kept beside the catalogue's fingerprint by each re-read, so
# that a warm start reads neither from content_file (2 MB for the bench's 1,000 lessons and 9,000 warnings).
SUMMARY_KEY = "catalog_summary"


@dataclass
class IndexReport:
    courses: int = 0
    lessons: int = 0
    parsed: int = 0
    skipped: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)   # none when indexed with problems=False
    seconds: float = 0.0
    problem_count: int = 0


def summarise() -> dict:
    """{"skipped": [paths], "problems": count} from every file's row, a row at a time, nothing kept."""
    skipped, count = [], 0
    for path, problems, is_skipped in (ContentFile.select(ContentFile.path, ContentFile.problems, ContentFile.skipped)
                                       .order_by(ContentFile.path).tuples().iterator()):
        count += len(problems)
        if is_skipped:
            skipped.append(path)
    return {"skipped": skipped, "problems": count}
