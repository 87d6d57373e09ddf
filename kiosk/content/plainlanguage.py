"""Plain-language hints for easy-to-read lessons: long sentences and steps, abbreviations, numbers in words.

They follow the European easy-to-read rules (Inclusion Europe, "Information for all") and are warnings,
never errors: a trainer decides. Only easy versions (`*.easy.md`) are checked.
"""
from __future__ import annotations

import re

from .problems import WARNING, Problem

SENTENCE_MAX = 15
STEP_MAX = 120
FENCE = re.compile(r"^\s*(```|~~~)")
STEP_HEADING = re.compile(r"^##(?!#)\s")
QUIZ_MARK = re.compile(r"^\s*(?:\?|\((?:x|X| )?\)|\[(?:x|X| )?\]|>|=|~|\*)\s*")
QUIZ_SETTING = re.compile(r"^\s*(?:pass\s*:|true\s*$|false\s*$|vrai\s*$|faux\s*$)", re.IGNORECASE)
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
MARKUP = re.compile(r"[*_`#>|]|^\s*(?:[-+]|\d+[.)])\s+")
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=:)\s+(?=[A-ZÀ-Ý])")
WORD = re.compile(r"[^\W\d_][\w'’-]*|\d+(?:[.,]\d+)*")
ABBREVIATION = re.compile(r"\b[A-Z]{2,}s?\b")
NUMBER_WORDS = {
    "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze", "vingt",
    "trente", "cent", "mille", "two", "three", "four", "five", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "twenty", "thirty", "hundred", "thousand",
}


def plain_language_hints(text: str, rel: str) -> list[Problem]:
    """Warnings, each at its line, for what makes an easy-to-read lesson hard to read."""
    problems: list[Problem] = []
    fence, in_front, step_line, step_words = None, text.startswith("---"), 0, 0
    for number, line in enumerate(text.split("\n"), 1):
        if in_front:
            in_front = not (number > 1 and line.strip() in ("---", "..."))
            continue
        opening = FENCE.match(line)
        if opening:
            fence = None if fence else line.strip()[3:].strip() or "code"
            continue
        if fence and fence != "quiz":
            continue
        if fence == "quiz":
            if QUIZ_SETTING.match(line):
                continue
            line = QUIZ_MARK.sub("", line)
        elif STEP_HEADING.match(line):
            problems += _long_step(rel, step_line, step_words)
            step_line, step_words = number, 0
            continue
        words = _check_line(line, rel, number, problems)
        step_words += 0 if fence else words
    return problems + _long_step(rel, step_line, step_words)


def _check_line(line: str, rel: str, number: int, problems: list[Problem]) -> int:
    """Check one line's sentences, abbreviations and numbers; return how many words it holds."""
    if line.lstrip().startswith("#"):
        return 0                # a title or heading: short by nature, not counted as a sentence
    plain = MARKUP.sub(" ", LINK.sub(r"\1", IMAGE.sub(" ", line))).strip()
    if not plain:
        return 0
    for sentence in SENTENCE_END.split(plain):
        count = len(WORD.findall(sentence))
        if count > SENTENCE_MAX:
            problems.append(Problem(rel, number, WARNING, f"this sentence has {count} words; an easy-to-read "
                                    f"sentence has {SENTENCE_MAX} at most: cut it in two."))
    for abbreviation in sorted(set(ABBREVIATION.findall(plain))):
        problems.append(Problem(rel, number, WARNING, f"'{abbreviation}' is an abbreviation; write the "
                                "words in full, or explain it."))
    for word in sorted({w.lower() for w in WORD.findall(plain)} & NUMBER_WORDS):
        problems.append(Problem(rel, number, WARNING, f"'{word}' is a number written in words; write it in "
                                "digits (2, 3, 10)."))
    return len(WORD.findall(plain))


def _long_step(rel: str, line: int, words: int) -> list[Problem]:
    if words <= STEP_MAX:
        return []
    return [Problem(rel, line or 1, WARNING, f"this step has {words} words; an easy-to-read step has "
                    f"{STEP_MAX} at most: split it with a new '## ' heading.")]
