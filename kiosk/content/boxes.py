"""The small set of boxes every dialect's callouts become: note, tip, warning, exercise, solution.

An instructor note is a sixth kind that never reaches a learner's page. Names are compared in lower
case, with Quarto's `callout-` prefix and a trailing `s` removed.
"""
from __future__ import annotations

import re

NOTE, TIP, WARNING, EXERCISE, SOLUTION, INSTRUCTOR = "note", "tip", "warning", "exercise", "solution", "instructor"

_NAMES = {
    NOTE: "note callout info important seealso see-also abstract summary tldr attention keypoint key-point "
          "objective questions overview prereq prerequisite checklist discussion testimonial quote "
          "cite admonition todo remark aside sidebar margin topic definition example detail dropdown "
          "learning-objective goal reminder",
    TIP: "tip hint success check done idea",
    WARNING: "warning caution danger error failure fail missing bug alert",
    EXERCISE: "exercise challenge question practice activity task try try-it problem assignment",
    SOLUTION: "solution answer spoiler",
    INSTRUCTOR: "instructor instructor-note teacher teacher-note facilitator trainer for-instructor "
                "instructor-only",
}
KIND_OF = {name: kind for kind, names in _NAMES.items() for name in names.split()}
ALWAYS_FOLDED = {SOLUTION}
FOLDED_NAMES = {"dropdown", "detail", "spoiler"}        # shown on demand, whatever their kind
# Containers that only lay text out (tabs, cards, columns): their text is shown, without a box.
LAYOUT = set("tab-set tab-item tab group-tab tabs card grid grid-item grid-item-card column columns "
             "div container panel cell".split())


def kind_of(name: str) -> str | None:
    """The box kind for a name written by a trainer (`challenge`, `callout-tip`, `NOTE`), or None."""
    name = re.sub(r"^(callout|admonition|alert|prf|sphinx|box)[-:]", "", name.strip().lower())
    return KIND_OF.get(name) or KIND_OF.get(name.rstrip("s")) or KIND_OF.get(name.replace("_", "-"))


def folded(name: str, kind: str) -> bool:
    """Whether a box is shown closed (a <details> the learner opens) by its name alone."""
    return kind in ALWAYS_FOLDED or name.strip().lower() in FOLDED_NAMES
