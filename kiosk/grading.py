"""Marking a quiz: which answers were right, the feedback to show for each, the score."""
from __future__ import annotations

import re
import unicodedata

from .content.quizmodel import MULTIPLE, SINGLE, TEXT, TRUEFALSE, Quiz


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
        chosen = sorted({int(g) for g in given if g.isdigit() and int(g) < len(question.choices)})
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
