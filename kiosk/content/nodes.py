"""The tree a lesson is read into: lines of text, code, boxes and quiz blocks (see blocks.py)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Src:
    """One line of the lesson and its number in the file."""

    text: str
    line: int


@dataclass
class Code:
    indent: str
    fence: str
    info: str
    body: list[Src]
    line: int


@dataclass
class Box:
    kind: str | None              # None: a container whose text is shown without a box
    title: str
    folded: bool
    open: bool
    children: list = field(default_factory=list)
    line: int = 0
    indent: str = ""


@dataclass
class QuizBlock:
    syntax: str                   # "quiz" or "gift"
    body: list[Src]
    line: int                     # the line of its opening fence
    guessed: bool = False         # a plain fence whose text reads as GIFT
