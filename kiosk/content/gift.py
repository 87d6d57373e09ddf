"""Moodle GIFT quiz files, read into the kiosk's Quiz (see docs/content-format.md, "Moodle GIFT files").

Supported: single and multiple choice, true/false, short answer, feedback, titles, comments, escapes
and a `// pass: NN` comment. Other GIFT question types are reported as warnings and skipped.
"""
from __future__ import annotations

import re
from typing import Iterator

from .problems import ERROR, WARNING, Problem
from .quizmodel import DEFAULT_PASS_MARK, MULTIPLE, SINGLE, TEXT, TRUEFALSE, Choice, Question, Quiz
from .render import plain_text

BLANK = "_____"
PASS = re.compile(r"^//\s*pass\s*:(.*)$", re.I)
FORMAT = re.compile(r"^\s*\[(html|markdown|plain|moodle)\]", re.I)
WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d*)?)%")
TRUTH = {"T": True, "TRUE": True, "F": False, "FALSE": False}
SURROGATE = re.compile("[\ud800-\udfff]")

# Escaped characters become private-use placeholders while the markup is split, so that `\{` or
# `\~` never count as syntax; they are turned back into the plain character in the final text.
_ESCAPABLE = "\\~=#{}:"
_HIDE = {"\\" + c: chr(0xE000 + i) for i, c in enumerate(_ESCAPABLE)}
_SHOW = {ord(chr(0xE000 + i)): c for i, c in enumerate(_ESCAPABLE)}


class _Skip(Exception):
    """A question that cannot be used; carries the problem to report."""

    def __init__(self, severity: str, message: str):
        super().__init__(message)
        self.severity, self.message = severity, message


def parse_gift(text: str, path: str) -> tuple[Quiz | None, list[Problem]]:
    """Read a GIFT file's text; the quiz is None when no question could be used."""
    # A file decoded with surrogateescape may carry lone surrogates, which nothing downstream can store.
    lines = SURROGATE.sub("\ufffd", text.lstrip("\ufeff")).replace("\r\n", "\n").replace("\r", "\n")
    lines = lines.split("\n")
    problems: list[Problem] = []
    quiz = Quiz(pass_mark=_pass_mark(lines, path, problems))
    for start, block in _blocks(lines):
        try:
            quiz.questions.append(_question(block, start))
        except _Skip as skip:
            problems.append(Problem(path, start, skip.severity, skip.message))
    return (quiz if quiz.questions else None), problems


def _pass_mark(lines: list[str], path: str, problems: list[Problem]) -> int:
    """The pass mark from the last `// pass: NN` comment, or the default."""
    mark = DEFAULT_PASS_MARK
    for number, line in enumerate(lines, start=1):
        found = PASS.match(line.strip())
        if not found:
            continue
        value = found.group(1).strip().removesuffix("%").strip()
        if value.isascii() and value.isdigit() and int(value) <= 100:
            mark = int(value)
        else:
            message = (f"the pass mark '{value}' should be a whole number from 0 to 100, "
                       f"as in '// pass: 70'; {DEFAULT_PASS_MARK} is used.")
            problems.append(Problem(path, number, WARNING, message))
            mark = DEFAULT_PASS_MARK
    return mark


def _blocks(lines: list[str]) -> Iterator[tuple[int, str]]:
    """Each question's text and first line; questions are separated by blank lines."""
    start, block = 0, []
    for number, line in enumerate(lines + [""], start=1):
        stripped = line.strip()
        if stripped.startswith("//") or stripped.upper().startswith("$CATEGORY:"):
            continue     # comments, and Moodle's category lines, which mean nothing on a kiosk
        if stripped:
            start = start or number
            block.append(stripped)
        elif block:
            yield start, "\n".join(block)
            start, block = 0, []


def _question(block: str, line: int) -> Question:
    """One question from its block of text; raises _Skip with the reason when it cannot be used."""
    body = _drop_title(_hide_escapes(block).strip())
    fmt, _ = _split_format(body, "moodle")
    before, answers, after = _split_braces(body)
    text = _text(before + BLANK + after if after.strip() else before, fmt)
    if not text:
        raise _Skip(ERROR, "this question has no text; write the question before its { answers }.")
    question = Question(kind="", text=text, line=line)
    _fill(question, answers, fmt)
    return question


def _split_braces(body: str) -> tuple[str, str, str]:
    """The text before the `{answers}`, the answers, and the text after them."""
    if "{" not in body and "}" not in body:
        raise _Skip(WARNING, "a question without answers in { } (a description) is not supported on "
                    "the kiosk; it was skipped. Put this text in the lesson, or add answers in { }.")
    opening = body.find("{")
    if opening < 0 or "}" in body[:opening]:
        raise _Skip(ERROR, "there is a '}' without an opening '{' before it; add the '{' before the "
                    "answers, or write \\} for a brace in the text.")
    closing = body.find("}", opening)
    if closing < 0:
        raise _Skip(ERROR, "the answers start with '{' but have no closing '}'; add the '}' after the "
                    "last answer, or write \\{ for a brace in the text.")
    before, answers, after = body[:opening], body[opening + 1:closing], body[closing + 1:]
    if "{" in answers or "{" in after or "}" in after:
        raise _Skip(ERROR, "this question has more than one pair of braces; keep one {…} of answers "
                    "per question, and write \\{ and \\} for braces in the text.")
    return before, answers, after


def _hide_escapes(text: str) -> str:
    """The text with each GIFT escape replaced by its placeholder, and `\\n` by a line break."""
    text = text.replace("\\\\", _HIDE["\\\\"]).replace("\\n", "\n")
    for escaped, placeholder in _HIDE.items():
        text = text.replace(escaped, placeholder)
    return text


def _drop_title(body: str) -> str:
    """The question without its `::Title::`, which the kiosk does not show."""
    if not body.startswith("::"):
        return body
    end = body.find("::", 2)
    if end < 0:
        raise _Skip(ERROR, "the title starts with '::' but has no closing '::'; write it as "
                    "::Title:: before the question, or write \\: for a colon in the text.")
    return body[end + 2:].strip()


def _split_format(raw: str, default: str) -> tuple[str, str]:
    """The `[html]`-style format named at the start of `raw` (or `default`), and the rest."""
    found = FORMAT.match(raw)
    if not found:
        return default, raw
    return found.group(1).lower(), raw[found.end():]


def _text(raw: str, default_format: str) -> str:
    """Plain text of a piece of GIFT markup: escapes restored, format prefix and HTML tags removed."""
    fmt, rest = _split_format(raw, default_format)
    rest = rest.translate(_SHOW)
    if fmt == "html":
        rest = plain_text(rest)   # kept as text: the quiz page escapes it when it shows it
    return rest.strip()


def _fill(question: Question, answers: str, fmt: str) -> None:
    """Set the question's kind and answers from what is inside its braces."""
    answers, _, general = answers.partition("####")
    answers = answers.strip()
    if not answers:
        raise _Skip(WARNING, "an essay question ({}) is not supported on the kiosk; it was skipped. "
                    "Ask for a short answer ({=answer}) or give choices ({=right ~wrong}) instead.")
    if answers.startswith("#"):
        raise _Skip(WARNING, "a numeric question ({#…}) is not supported on the kiosk; it was skipped. "
                    "Write the number as a short answer instead, as in {=42}.")
    if "~" in answers:
        _choices(question, answers, fmt)
    elif "=" in answers and "->" in answers:
        raise _Skip(WARNING, "a matching question (=a -> b) is not supported on the kiosk; it was "
                    "skipped. Write one choice question per pair instead.")
    elif answers.partition("#")[0].strip().upper() in TRUTH:
        _truefalse(question, answers, fmt)
    elif answers.startswith("="):
        _short_answer(question, answers, fmt)
    else:
        raise _Skip(ERROR, "the answers in { } are not understood; start right answers with '=' and "
                    "wrong ones with '~', or write T or F for a true/false question.")
    question.feedback = _join(question.feedback, _text(general, fmt))


def _parts(answers: str, fmt: str) -> list[tuple[float, str, str]]:
    """(weight, text, feedback) of each `=` or `~` answer; `=` weighs 100 and `~` 0 unless `%NN%`."""
    pieces = re.split(r"(?=[=~])", answers)
    if pieces[0].strip():
        raise _Skip(ERROR, "there is text before the first answer in { }; start each answer with '=' "
                    "(right) or '~' (wrong).")
    parts = []
    for piece in pieces[1:]:
        weight, rest = (100.0 if piece[0] == "=" else 0.0), piece[1:]
        found = WEIGHT.match(rest)
        if found:
            weight, rest = float(found.group(1)), rest[found.end():]
        answer, _, feedback = rest.partition("#")
        text = _text(answer, fmt)
        if not text:
            raise _Skip(ERROR, "one of the answers is empty; remove the extra '=' or '~', or write "
                        "\\= and \\~ for these signs inside an answer.")
        parts.append((weight, text, _text(feedback, fmt)))
    return parts


def _choices(question: Question, answers: str, fmt: str) -> None:
    """Single or multiple choice: every answer with a positive weight is a right one."""
    question.choices = [Choice(text, weight > 0, feedback) for weight, text, feedback in _parts(answers, fmt)]
    right = sum(choice.correct for choice in question.choices)
    if not right:
        raise _Skip(ERROR, "this choice question has no right answer; start the right answer with '=', "
                    "or give the right ones a positive weight such as ~%50%.")
    if len(question.choices) < 2:
        raise _Skip(ERROR, "a choice question needs at least two answers; add a wrong one starting "
                    "with '~'.")
    question.kind = MULTIPLE if right > 1 else SINGLE


def _truefalse(question: Question, answers: str, fmt: str) -> None:
    """True/false: in GIFT, the first `#` is shown to a wrong answer and the second to a right one."""
    truth, _, feedbacks = answers.partition("#")
    wrong, _, right = feedbacks.partition("#")
    question.kind, question.truth = TRUEFALSE, TRUTH[truth.strip().upper()]
    question.wrong_feedback, question.feedback = _text(wrong, fmt), _text(right, fmt)


def _short_answer(question: Question, answers: str, fmt: str) -> None:
    """Short answer: every `=` answer with a positive weight is accepted."""
    parts = _parts(answers, fmt)
    question.kind = TEXT
    question.answers = [text for weight, text, _ in parts if weight > 0]
    question.feedback = next((feedback for _, _, feedback in parts if feedback), "")
    if not question.answers:
        raise _Skip(ERROR, "this short answer question has no accepted answer; write at least one "
                    "as {=answer}.")


def _join(first: str, second: str) -> str:
    return f"{first} {second}".strip()
