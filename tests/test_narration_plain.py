"""Plain language helps the ear too: every lesson is warned (never failed) about long sentences and steps."""
from __future__ import annotations

from kiosk.content.plainlanguage import plain_language_hints
from kiosk.content.problems import WARNING
from tests.conftest import DEMO_CONTENT

LONG = " ".join(["word"] * 22) + "."
STEP = "## A long step\n\n" + "\n\n".join(["Short sentence here with six words."] * 26) + "\n"


def test_a_standard_lesson_is_warned_about_a_sentence_over_20_words_at_its_line():
    found = plain_language_hints(f"---\ntitle: T\n---\n## One\n\nA short one. {LONG}\n\nThe EU has 27 members.\n",
                                 "01-x.md")
    assert [(p.line, p.severity) for p in found] == [(6, WARNING)]
    assert "22 words" in found[0].message and "20 at most" in found[0].message


def test_a_standard_step_over_150_words_is_warned_at_its_heading_and_easy_files_keep_their_stricter_rules():
    assert [(p.line, "156 words" in p.message) for p in plain_language_hints(STEP, "01-x.md")] == [(1, True)]
    easy = plain_language_hints("## One\n\n" + " ".join(["word"] * 17) + ". The EU is big.\n", "01-x.easy.md")
    assert sorted(p.line for p in easy) == [3, 3] and any("'EU'" in p.message for p in easy)


def test_the_demo_lessons_a_learner_meets_first_pass_clean():
    """No demo lesson has a sentence over 20 words or a step over 150: what is heard stays easy to follow."""
    found = [str(p) for path in sorted(DEMO_CONTENT.rglob("*.md"))
             for p in plain_language_hints(path.read_text(encoding="utf-8"), str(path.relative_to(DEMO_CONTENT)))]
    assert found == []
