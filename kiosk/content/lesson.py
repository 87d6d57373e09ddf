"""One lesson file: front matter, steps split at level-2 headings, a quiz block, rendered once."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .blocks import Scanner
from .crcn import from_front_matter as crcn_declared
from .emit import Line, emit
from .language import detect_language
from .links import link_across_steps
from .nodes import Src
from .problems import ERROR, WARNING, Problem
from .quizblocks import quiz_from_blocks
from .quizmodel import Quiz
from .render import Resolver, plain_text, render_markdown, strip_extras
from .sources import split_front_matter, split_metadata_header
from .tree import split_language

STEP_HEADING = re.compile(r"^##(?!#)\s+(.*?)\s*#*\s*$")
ATTR_LIST = re.compile(r"\s*\{[#.][^}]*\}\s*$")
TITLE_HEADING = re.compile(r"^#(?!#)\s+(.*?)\s*#*\s*$")
DURATION = re.compile(r"^\s*(?:(\d+)\s*h(?:ours?|eures?)?)?\s*(?:(\d+)\s*(?:m|min|mins|minutes?)?)?\s*$", re.IGNORECASE)


@dataclass
class Step:
    title: str
    html: str


@dataclass
class ParsedLesson:
    """What the catalogue keeps of a lesson file in one language."""

    title: str
    id: str | None = None
    duration: int | None = None
    objectives: list[str] = field(default_factory=list)
    level: str = ""
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    steps: list[Step] = field(default_factory=list)
    quiz: Quiz | None = None
    text: str = ""
    crcn: str = ""                 # CRCN competence and level the lesson declares (kiosk/content/crcn.py)
    crcn_level: int = 0


def parse_lesson(text: str, rel: str, resolve: Resolver, fallback_title: str
                 ) -> tuple[ParsedLesson | None, list[Problem]]:
    """Parse a lesson; returns None (with an error) when the file cannot be served."""
    meta, body, first_line, problems = split_front_matter(text, rel)
    if any(p.is_error for p in problems):
        return None, problems
    header, body = split_metadata_header(body)
    meta = {**header, **meta}
    scanner = Scanner(rel)
    tree = scanner.scan([Src(line, first_line + k) for k, line in enumerate(body.split("\n"))])
    problems += scanner.problems
    language = _lesson_language(meta, rel, body)
    lines = emit(tree, language)
    heading_title, lines = _take_title(lines)
    lesson = ParsedLesson(title=_text(meta.get("title")) or heading_title or fallback_title)
    _apply_meta(lesson, meta, rel, problems)
    lesson.crcn, lesson.crcn_level = crcn_declared(meta, text, rel, problems)
    lesson.quiz = quiz_from_blocks(scanner.quizzes, rel, problems)
    for step_lines in _split_steps(lines):
        html, step_problems = render_markdown("\n".join(line.text for line in step_lines), resolve, rel,
                                              step_lines[0].line, [line.line for line in step_lines],
                                              language)
        problems += step_problems
        match = STEP_HEADING.match(step_lines[0].text) if step_lines[0].top else None
        title = plain_text(strip_extras(ATTR_LIST.sub("", match.group(1)))) if match else ""
        if plain_text(html) or "<img" in html or "<figure" in html:
            lesson.steps.append(Step(title=title, html=html))
    if not lesson.steps and not lesson.quiz:
        problems.append(Problem(rel, first_line, ERROR, "this lesson is empty; write some text or a quiz."))
        return None, problems
    link_across_steps(lesson.steps, rel, problems,
                      lambda needle: first_line + body[:max(body.find(needle), 0)].count("\n"))
    lesson.text = " ".join([lesson.title] + [plain_text(s.html) for s in lesson.steps]
                           + [q.text for q in (lesson.quiz.questions if lesson.quiz else [])])
    return lesson, problems


def _lesson_language(meta: dict, rel: str, body: str):
    """The lesson's language for the words Relais adds: declared, in the file name, or read from the
    text — worked out only when one is needed, and then once."""
    found: list = []

    def language() -> str | None:
        if not found:
            declared = _text(meta.get("language") or meta.get("lang")) or split_language(Path(rel).stem)[1]
            found.append(declared or detect_language(body))
        return found[0]

    return language


def _apply_meta(lesson: ParsedLesson, meta: dict, rel: str, problems: list[Problem]) -> None:
    """Copy the known front matter keys, tolerating the shapes other tools write; ignore the rest."""
    lesson.id = _text(meta.get("id")) or None
    lesson.level = _text(meta.get("level"))
    lesson.language = _text(meta.get("language") or meta.get("lang")) or None
    lesson.objectives = [_text(o) for o in _as_list(meta.get("objectives")) if _text(o)]
    lesson.tags = [_text(t) for t in _as_list(meta.get("tags")) if _text(t)]
    if meta.get("duration") is not None:
        lesson.duration = parse_duration(meta["duration"])
        if lesson.duration is None:
            problems.append(Problem(rel, 1, WARNING, f"the duration '{meta['duration']}' is not understood; "
                                    "write minutes, for example 'duration: 10'."))


def parse_duration(value) -> int | None:
    """Minutes from 10, '10 min', '1 h 30' or '1h30'; None when it makes no sense."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if 0 < value < 10000 else None
    match = DURATION.match(str(value))
    if not match or not any(match.groups()):
        return None
    hours, minutes = int(match.group(1) or 0), int(match.group(2) or 0)
    return hours * 60 + minutes or None


def _take_title(lines: list[Line]) -> tuple[str, list[Line]]:
    """Use the first level-1 heading, if it comes before any text, as the title."""
    for i, line in enumerate(lines):
        if not line.text.strip():
            continue
        match = TITLE_HEADING.match(line.text) if line.top else None
        if match:
            title = plain_text(strip_extras(ATTR_LIST.sub("", match.group(1))))
            return title, lines[:i] + [Line("", line.line, True)] + lines[i + 1:]
        break
    return "", lines


def _split_steps(lines: list[Line]) -> list[list[Line]]:
    """Cut the text before each `## ` heading that is at the top level (not in code, not in a box)."""
    steps, start = [], 0
    for i, line in enumerate(lines):
        if line.top and i > start and STEP_HEADING.match(line.text):
            steps.append(lines[start:i])
            start = i
    steps.append(lines[start:] or [Line("", 1, True)])
    return steps


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",")]
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))
