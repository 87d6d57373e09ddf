"""One lesson file: front matter, steps split at level-2 headings, a quiz block, rendered once."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .problems import ERROR, WARNING, Problem
from .quiz import parse_quiz
from .quizmodel import Quiz
from .render import Resolver, plain_text, render_markdown, strip_extras
from .sources import split_front_matter

FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([\w-]*)")
STEP_HEADING = re.compile(r"^##(?!#)\s+(.*?)\s*#*\s*$")
TITLE_HEADING = re.compile(r"^#(?!#)\s+(.*?)\s*#*\s*$")
DURATION = re.compile(r"^\s*(?:(\d+)\s*h(?:ours?|eures?)?)?\s*(?:(\d+)\s*(?:m|min|mins|minutes?)?)?\s*$", re.I)


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


def parse_lesson(text: str, rel: str, resolve: Resolver, fallback_title: str
                 ) -> tuple[ParsedLesson | None, list[Problem]]:
    """Parse a lesson; returns None (with an error) when the file cannot be served."""
    meta, body, first_line, problems = split_front_matter(text, rel)
    if any(p.is_error for p in problems):
        return None, problems
    lines = body.split("\n")
    quiz_blocks, lines = _take_quiz_blocks(lines)
    heading_title, lines = _take_title(lines)
    lesson = ParsedLesson(title=_text(meta.get("title")) or heading_title or fallback_title)
    _apply_meta(lesson, meta, rel, problems)
    for block_line, block in quiz_blocks[:1]:
        lesson.quiz, quiz_problems = parse_quiz(block, rel, first_line + block_line + 1)
        problems += quiz_problems
    if len(quiz_blocks) > 1:
        problems.append(Problem(rel, first_line + quiz_blocks[1][0], WARNING,
                                "a lesson has one quiz; this second quiz block was ignored."))
    for start, step_lines in _split_steps(lines):
        html, step_problems = render_markdown("\n".join(step_lines), resolve, rel, first_line + start)
        problems += step_problems
        match = STEP_HEADING.match(step_lines[0]) if step_lines else None
        title = plain_text(strip_extras(match.group(1))) if match else ""
        if plain_text(html) or "<img" in html or "<figure" in html:
            lesson.steps.append(Step(title=title, html=html))
    if not lesson.steps and not lesson.quiz:
        problems.append(Problem(rel, first_line, ERROR, "this lesson is empty; write some text or a quiz."))
        return None, problems
    lesson.text = " ".join([lesson.title] + [plain_text(s.html) for s in lesson.steps]
                           + [q.text for q in (lesson.quiz.questions if lesson.quiz else [])])
    return lesson, problems


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


def _take_quiz_blocks(lines: list[str]) -> tuple[list[tuple[int, str]], list[str]]:
    """Remove ```quiz blocks from the text; return them with the index of their opening line."""
    blocks, kept, i = [], [], 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            kept.append(lines[i])
            i += 1
            continue
        end = i + 1
        while end < len(lines) and not lines[end].strip().startswith(fence.group(1)):
            end += 1
        chunk = lines[i:end + 1]
        if fence.group(2).lower() == "quiz":
            blocks.append((i, "\n".join(lines[i + 1:end])))
            kept.extend([""] * len(chunk))      # keep line numbers of the text after it
        else:
            kept.extend(chunk)
        i = end + 1
    return blocks, kept


def _take_title(lines: list[str]) -> tuple[str, list[str]]:
    """Use the first level-1 heading, if it comes before any text, as the title."""
    for i, line in enumerate(lines):
        if not line.strip() or KRAMDOWN_ONLY.match(line):
            continue
        match = TITLE_HEADING.match(line)
        if match:
            return plain_text(strip_extras(match.group(1))), lines[:i] + [""] + lines[i + 1:]
        break
    return "", lines


KRAMDOWN_ONLY = re.compile(r"^\s*\{:.*\}\s*$")


def _split_steps(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Cut the text before each `## ` heading that is not inside a code block."""
    steps, start, in_fence = [], 0, None
    for i, line in enumerate(lines):
        fence = FENCE.match(line)
        if fence and (in_fence is None or line.strip().startswith(in_fence)):
            in_fence = fence.group(1) if in_fence is None else None
        elif in_fence is None and STEP_HEADING.match(line) and i > start:
            steps.append((start, lines[start:i]))
            start = i
    steps.append((start, lines[start:]))
    return steps


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",")]
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))
