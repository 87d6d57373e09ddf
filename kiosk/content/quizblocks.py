"""The quiz of a lesson from the blocks found in its text: a ```quiz block, or GIFT in fenced blocks."""
from __future__ import annotations

from .gift import parse_gift
from .nodes import QuizBlock
from .problems import WARNING, Problem
from .quiz import parse_quiz
from .quizmodel import Quiz


def quiz_from_blocks(blocks: list[QuizBlock], rel: str, problems: list[Problem]) -> Quiz | None:
    """The first ```quiz block; without one, every GIFT block's questions together, in order."""
    quiz_blocks = [b for b in blocks if b.syntax == "quiz"]
    gift_blocks = [b for b in blocks if b.syntax == "gift"]
    for extra in quiz_blocks[1:] + (gift_blocks if quiz_blocks else []):
        problems.append(Problem(rel, extra.line, WARNING,
                                "a lesson has one quiz; this second quiz block was ignored."))
    if quiz_blocks:
        block = quiz_blocks[0]
        quiz, quiz_problems = parse_quiz("\n".join(s.text for s in block.body), rel, block.line + 1)
        problems += quiz_problems
        return quiz
    merged: Quiz | None = None
    for block in gift_blocks:
        quiz, gift_problems = parse_gift("\n".join(s.text for s in block.body), rel)
        problems += [_in_file(p, block) for p in gift_problems]
        if quiz is None:
            problems.append(Problem(rel, block.line, WARNING, "this GIFT block has no question the kiosk "
                                    "can use, so it was left out (learners never see its answers); "
                                    "the messages for its lines say why."))
            continue
        if merged is None:
            merged = quiz
        else:
            merged.questions += quiz.questions
    return merged


def parse_gift_block(text: str, rel: str) -> Quiz | None:
    """The quiz in a plain fenced block, if its text is GIFT without a mistake; else None (it is code)."""
    quiz, problems = parse_gift(text, rel)
    return quiz if quiz is not None and not any(p.is_error for p in problems) else None


def _in_file(problem: Problem, block: QuizBlock) -> Problem:
    """A GIFT problem numbered from the block's first line, renumbered as a line of the lesson; a warning,
    since the lesson itself is fine (only its quiz lacks that question)."""
    index = problem.line - 1
    line = block.body[index].line if 0 <= index < len(block.body) else block.line
    return Problem(problem.path, line, WARNING, problem.message)
