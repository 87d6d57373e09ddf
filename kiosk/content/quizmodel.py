"""The shape every quiz takes, whether written in a lesson or imported from a GIFT file.

Quizzes are stored as JSON in the catalogue, so these dataclasses convert to and from plain dicts.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

SINGLE = "single"          # one right option among several
MULTIPLE = "multiple"      # tick every right option
TRUEFALSE = "truefalse"    # true or false
TEXT = "text"              # a short typed answer, compared without case or accents

KINDS = (SINGLE, MULTIPLE, TRUEFALSE, TEXT)
DEFAULT_PASS_MARK = 70     # percent


@dataclass
class Choice:
    """An option of a single or multiple choice question."""

    text: str
    correct: bool = False
    feedback: str = ""


@dataclass
class Question:
    """One question; `choices` for single/multiple, `truth` for true/false, `answers` for text."""

    kind: str
    text: str
    choices: list[Choice] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    truth: bool | None = None
    feedback: str = ""         # shown after answering, whatever the answer
    wrong_feedback: str = ""   # true/false and text: shown when the answer is wrong
    line: int = 0              # where the question starts in its source file
    crcn: str = ""              # the CRCN competence it works on, and its level (kiosk/content/crcn.py)
    crcn_level: int = 0


@dataclass
class Quiz:
    """The questions of one lesson and the percentage needed to pass."""

    questions: list[Question] = field(default_factory=list)
    pass_mark: int = DEFAULT_PASS_MARK

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Quiz:
        questions = []
        for q in data.get("questions", []):
            q = dict(q)
            q["choices"] = [Choice(**c) for c in q.get("choices", [])]
            questions.append(Question(**q))
        return cls(questions=questions, pass_mark=data.get("pass_mark", DEFAULT_PASS_MARK))
