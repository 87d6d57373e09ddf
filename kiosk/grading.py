"""Marking a quiz: which answers were right, the feedback to show for each, the score."""
from __future__ import annotations

import re
import unicodedata

from . import typed_text
from .content.quizmodel import MULTIPLE, SINGLE, TEXT, TRUEFALSE, Question, Quiz

ANSWER_MAX = 200                   # letters in a typed answer (the field's maxlength)
MISSING, UNREADABLE, TOO_LONG = "missing", "unreadable", "too_long"
_INDEX = re.compile(r"[0-9]{1,4}")  # a choice's number; str.isdigit() would let "²" through to int()


def read_answers(quiz: Quiz, values) -> tuple[dict[int, list[str]], dict[int, str]]:
    """The answers a form gives to the quiz's own questions, and what is wrong with the others.

    `values(name)` lists a form field's values (``request.form.getlist``); only q0, q1, … up to the
    quiz's length are read, so extra fields are ignored. Returns (answers, problems): answers maps a
    question's index to its checked values, problems maps an index to MISSING, UNREADABLE or TOO_LONG.
    """
    answers, problems = {}, {}
    for index, question in enumerate(quiz.questions):
        given = [v.strip() for v in values(f"q{index}") if isinstance(v, str) and v.strip()]
        checked = _checked(question, given) if given else MISSING
        if isinstance(checked, str):
            problems[index] = checked
        else:
            answers[index] = checked
    return answers, problems


def _checked(question: Question, given: list[str]) -> list[str] | str:
    """A question's values as grade() expects them, or why they cannot be: a browser never sends those."""
    if question.kind in (SINGLE, MULTIPLE):
        if len(given) > (1 if question.kind == SINGLE else len(question.choices)):
            return UNREADABLE
        if not all(_INDEX.fullmatch(v) and int(v) < len(question.choices) for v in given):
            return UNREADABLE
        return [str(i) for i in sorted({int(v) for v in given})]
    if len(given) > 1:
        return UNREADABLE
    if question.kind == TRUEFALSE:
        return given if given[0] in ("true", "false") else UNREADABLE
    text = typed_text.one_line(given[0])
    if typed_text.unkeepable(given[0]):
        return UNREADABLE
    return [text] if len(text) <= ANSWER_MAX else TOO_LONG


def normalise(text: str) -> str:
    """Typed answers match without case, accents, extra spaces or surrounding punctuation."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).strip(" .,;:!?'\"«»")


def grade(quiz: Quiz, answers: dict[int, list[str]]) -> dict:
    """Mark answers (question index → submitted values) and return per-question results and the score."""
    results = []
    for index, question in enumerate(quiz.questions):
        given = [a for a in answers.get(index, []) if a is not None]
        results.append(_mark(question, given))
    score = sum(1 for r in results if r["correct"])
    total = len(results)
    percent = round(100 * score / total) if total else 0
    return {"results": results, "score": score, "total": total, "percent": percent,
            "passed": percent >= quiz.pass_mark}


def _mark(question, given: list[str]) -> dict:
    feedback: list[str] = []
    if question.kind in (SINGLE, MULTIPLE):
        chosen = sorted({int(g) for g in given if _INDEX.fullmatch(g) and int(g) < len(question.choices)})
        if question.kind == SINGLE:
            chosen = chosen[:1]
        right = [i for i, c in enumerate(question.choices) if c.correct]
        correct = chosen == right
        feedback = [question.choices[i].feedback for i in chosen if question.choices[i].feedback]
    elif question.kind == TRUEFALSE:
        chosen = given[:1]
        correct = chosen == [("true" if question.truth else "false")]
    elif question.kind == TEXT:
        chosen = given[:1]
        correct = bool(chosen) and normalise(chosen[0]) in {normalise(a) for a in question.answers}
    else:
        chosen, correct = given, False
    if question.kind in (TRUEFALSE, TEXT) and not correct and question.wrong_feedback:
        feedback.append(question.wrong_feedback)
    if question.feedback:
        feedback.append(question.feedback)
    return {"chosen": chosen, "correct": correct, "feedback": feedback, "answered": bool(chosen)}
