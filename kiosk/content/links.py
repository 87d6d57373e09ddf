"""Links between the steps of one lesson: `#heading` in step 1 goes to the step where that heading is."""
from __future__ import annotations

import re

from .problems import WARNING, Problem

ID = re.compile(r'\bid="([^"]+)"')
LOCAL_LINK = re.compile(r'href="#([^"]+)"')


def link_across_steps(steps: list, rel: str, problems: list[Problem], line_of) -> None:
    """Point each `#id` link at the step holding that id (`?step=N#id`); report ids found nowhere."""
    where: dict[str, int] = {}
    for number, step in enumerate(steps):
        for ident in ID.findall(step.html):
            where.setdefault(ident, number)
    for number, step in enumerate(steps):
        own = set(ID.findall(step.html))

        def point(match, number=number, own=own):
            ident = match.group(1)
            if ident in own:
                return match.group(0)
            if ident in where:
                return f'href="?step={where[ident]}#{ident}"'
            problems.append(Problem(rel, line_of(f"#{ident}"), WARNING, f"the link '#{ident}' points at no heading of this "
                                    "lesson; check the heading's words or give it an id."))
            return match.group(0)

        step.html = LOCAL_LINK.sub(point, step.html)
