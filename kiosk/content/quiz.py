"""The quiz syntax trainers write inside a lesson, in a ```quiz block (see docs/content-format.md)."""
from __future__ import annotations

import re

from .crcn import read_declaration
from .problems import ERROR, WARNING, Problem
from .quizmodel import DEFAULT_PASS_MARK, MULTIPLE, SINGLE, TEXT, TRUEFALSE, Choice, Question, Quiz

OPTION = re.compile(r"^(\(\s*[xX]?\s*\)|\[\s*[xX]?\s*\])\s*(.*)$")
TRUTH = {"true": True, "vrai": True, "false": False, "faux": False}
PASS = re.compile(r"^pass\s*:\s*(\S+?)\s*%?$", re.IGNORECASE)
CRCN = re.compile(r"^(crcn|crcn_level)\s*:\s*[\"']?(.*?)[\"']?$", re.IGNORECASE)   # a question's competence


def parse_quiz(source: str, rel: str, first_line: int) -> tuple[Quiz | None, list[Problem]]:
    """Parse the text of a quiz block whose first line is `first_line` of the file `rel`."""
    quiz, problems, current = Quiz(), [], None
    for offset, raw in enumerate(source.split("\n")):
        lineno, line = first_line + offset, raw.strip()
        if not line:
            continue
        if line.startswith("?"):
            current = _finish(current, quiz, problems, rel)
            current = Question(kind="", text=line[1:].strip(), line=lineno)
            if not current.text:
                problems.append(Problem(rel, lineno, ERROR, "a question has no text after '?'."))
        elif PASS.match(line) and current is None:
            quiz.pass_mark = _pass_mark(PASS.match(line).group(1), rel, lineno, problems)
        elif current is None:
            problems.append(Problem(rel, lineno, ERROR,
                                    "this line comes before the first question; start a question with '? '."))
        else:
            _add_line(current, line, rel, lineno, problems)
    _finish(current, quiz, problems, rel)
    return (quiz if quiz.questions else None), problems


def _pass_mark(value: str, rel: str, lineno: int, problems: list) -> int:
    try:
        mark = int(float(value))
        if 0 <= mark <= 100:
            return mark
    except ValueError:
        pass
    problems.append(Problem(rel, lineno, WARNING, f"the pass mark '{value}' should be a number from 0 "
                            f"to 100; {DEFAULT_PASS_MARK} is used."))
    return DEFAULT_PASS_MARK


def _add_line(q: Question, line: str, rel: str, lineno: int, problems: list) -> None:
    """Attach one line (option, answer, truth or feedback) to the question being read."""
    option, crcn = OPTION.match(line), CRCN.match(line)
    if crcn:
        _set_crcn(q, crcn.group(1).lower(), crcn.group(2), rel, lineno, problems)
    elif line.startswith(">!"):
        q.wrong_feedback = _join(q.wrong_feedback, line[2:].strip())
    elif line.startswith(">"):
        text = line[1:].strip()
        if q.choices and q.kind in (SINGLE, MULTIPLE):
            q.choices[-1].feedback = _join(q.choices[-1].feedback, text)
        else:
            q.feedback = _join(q.feedback, text)
    elif option:
        kind = SINGLE if option.group(1).startswith("(") else MULTIPLE
        if not _set_kind(q, kind, rel, lineno, problems):
            return
        q.choices.append(Choice(text=option.group(2).strip(), correct="x" in option.group(1).lower()))
    elif line.startswith("="):
        if _set_kind(q, TEXT, rel, lineno, problems) and line[1:].strip():
            q.answers.append(line[1:].strip())
    elif line.lower() in TRUTH:
        if _set_kind(q, TRUEFALSE, rel, lineno, problems):
            q.truth = TRUTH[line.lower()]
    else:
        problems.append(Problem(rel, lineno, ERROR, "this line is not understood; options start with "
                                "'( )', '(x)', '[ ]' or '[x]', answers with '=', feedback with '>'."))


def _set_crcn(q: Question, key: str, value: str, rel: str, lineno: int, problems: list) -> None:
    """`crcn: 1.1` then, if wanted, `crcn_level: 2` under a question (the level needs the competence)."""
    if key == "crcn":
        q.crcn, _ = read_declaration(value, None, rel, lineno, problems)
    elif not q.crcn:
        problems.append(Problem(rel, lineno, ERROR, "a CRCN level needs its competence: write 'crcn: 1.1' first."))
    else:
        q.crcn, q.crcn_level = read_declaration(q.crcn, value, rel, lineno, problems)


def _set_kind(q: Question, kind: str, rel: str, lineno: int, problems: list) -> bool:
    if q.kind and q.kind != kind:
        problems.append(Problem(rel, lineno, ERROR, "a question mixes two kinds of answers (for "
                                "example '( )' and '[ ]'); use one kind per question."))
        return False
    q.kind = kind
    return True


def _finish(q: Question | None, quiz: Quiz, problems: list, rel: str) -> None:
    """Check the question just read and keep it if it can be answered."""
    if q is None or not q.text:
        return
    error = None
    if not q.kind:
        error = "this question has no answers; add options, 'true'/'false' or '= answer' lines."
    elif q.kind == SINGLE and sum(c.correct for c in q.choices) != 1:
        error = "a single choice question needs exactly one right option marked '(x)'."
    elif q.kind == SINGLE and len(q.choices) < 2:
        error = "a choice question needs at least two options."
    elif q.kind == MULTIPLE and not any(c.correct for c in q.choices):
        error = "a multiple choice question needs at least one right option marked '[x]'."
    elif q.kind == TEXT and not q.answers:
        error = "a typed-answer question needs at least one '= answer' line."
    if error:
        problems.append(Problem(rel, q.line, ERROR, error))
    else:
        quiz.questions.append(q)
    return


def _join(a: str, b: str) -> str:
    return f"{a} {b}".strip()
