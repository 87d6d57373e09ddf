"""Plain-language hints for every lesson: long sentences and steps; in easy-to-read ones, abbreviations and
numbers in words too.

Every lesson is also heard (narration), and a long sentence is as hard to follow by ear as by eye: a
standard lesson is held to 20 words a sentence and 150 a step. Easy versions (`*.easy.md`) follow the
European easy-to-read rules (Inclusion Europe, "Information for all"): 15 and 120, no abbreviation, numbers
in digits. All are warnings, never errors: a trainer decides.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .problems import WARNING, Problem


@dataclass(frozen=True)
class Level:
    """How long a sentence and a step may be, and whether words are checked one by one too."""

    sentence_max: int
    step_max: int
    words: bool
    reader: str             # who the limit is for, in the warning


STANDARD = Level(20, 150, False, "a sentence that is easy to follow, read or heard, has")
EASY = Level(15, 120, True, "an easy-to-read sentence has")
SENTENCE_MAX, STEP_MAX = EASY.sentence_max, EASY.step_max
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


def plain_language_hints(text: str, rel: str, easy: bool | None = None) -> list[Problem]:
    """Warnings, each at its line, for what makes a lesson hard to read or to hear; `easy` (by default:
    whether the file is named `*.easy.md`) applies the easy-to-read rules."""
    level = EASY if (".easy." in rel if easy is None else easy) else STANDARD
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
            problems += _long_step(rel, step_line, step_words, level)
            step_line, step_words = number, 0
            continue
        words = _check_line(line, rel, number, problems, level)
        step_words += 0 if fence else words
    return problems + _long_step(rel, step_line, step_words, level)


def _check_line(line: str, rel: str, number: int, problems: list[Problem], level: Level) -> int:
    """Check one line's sentences, abbreviations and numbers; return how many words it holds."""
    if line.lstrip().startswith("#"):
        return 0                # a title or heading: short by nature, not counted as a sentence
    plain = MARKUP.sub(" ", LINK.sub(r"\1", IMAGE.sub(" ", line))).strip()
    if not plain:
        return 0
    for sentence in SENTENCE_END.split(plain):
        count = len(WORD.findall(sentence))
        if count > level.sentence_max:
            problems.append(Problem(rel, number, WARNING, f"this sentence has {count} words; {level.reader} "
                                    f"{level.sentence_max} at most: cut it in two."))
    if not level.words:
        return len(WORD.findall(plain))
    for abbreviation in sorted(set(ABBREVIATION.findall(plain))):
        problems.append(Problem(rel, number, WARNING, f"'{abbreviation}' is an abbreviation; write the "
                                "words in full, or explain it."))
    for word in sorted({w.lower() for w in WORD.findall(plain)} & NUMBER_WORDS):
        problems.append(Problem(rel, number, WARNING, f"'{word}' is a number written in words; write it in "
                                "digits (2, 3, 10)."))
    return len(WORD.findall(plain))


def _long_step(rel: str, line: int, words: int, level: Level) -> list[Problem]:
    if words <= level.step_max:
        return []
    kind = "an easy-to-read step" if level.words else "a step that is easy to follow, read or heard,"
    return [Problem(rel, line or 1, WARNING, f"this step has {words} words; {kind} has "
                    f"{level.step_max} at most: split it with a new '## ' heading.")]
