"""Which CRCN competences a learner or a group worked on alone, and where the learner's own work reaches the
highest level the kiosk's courses declare: a plain hint to try Pix, never a score.

Only lessons completed without help and quiz answers given without help count. Declarations come from each
lesson's front matter (`crcn`, `crcn_level`) and from its quiz questions (see docs/content-format.md).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale

from ..content.crcn import competences
from ..models import Course, Lesson, LessonVersion, Progress, QuizAttempt


@dataclass
class Declarations:
    lessons: dict          # lesson key → (code, level)
    questions: dict        # (lesson key, question index) → (code, level)

    def highest(self) -> dict[str, int]:
        """The highest level the content declares for each competence (0: declared without a level)."""
        top: dict[str, int] = {}
        for code, level in [*self.lessons.values(), *self.questions.values()]:
            top[code] = max(top.get(code, 0), level)
        return top


def declarations() -> Declarations:
    """Every declaration of the indexed lessons, as the indexer stored them (the course's own language first)."""
    found = Declarations(lessons={}, questions={})
    rows = (LessonVersion.select(LessonVersion.language, LessonVersion.quiz, LessonVersion.crcn,
                                 LessonVersion.crcn_level, Lesson.key, Course.language.alias("course_language"))
            .join(Lesson).join(Course).dicts())
    for row in sorted(rows, key=lambda r: r["language"] != r["course_language"]):
        key = row["key"]
        if row["crcn"] and key not in found.lessons:
            found.lessons[key] = (row["crcn"], row["crcn_level"])
        for index, question in enumerate((row["quiz"] or {}).get("questions", [])):
            if question.get("crcn") and (key, index) not in found.questions:
                found.questions[(key, index)] = (question["crcn"], question.get("crcn_level", 0))
    return found


def competence_map(learner_ids: list[int], lang: str = "fr", within: tuple[float, float] | None = None
                   ) -> list[dict]:
    """Per competence worked on alone: lessons and right answers alone, learners, level reached, ready.

    `within` (two timestamps) keeps only lessons completed and answers given in that period."""
    declared = declarations()
    highest = declared.highest()
    work: dict[str, dict] = {}

    def credit(code: str, level: int, learner_id: int, kind: str) -> None:
        item = work.setdefault(code, {"lessons": 0, "answers": 0, "reached": {}})
        item[kind] += 1
        item["reached"][learner_id] = max(item["reached"].get(learner_id, 0), level)

    ids = list(learner_ids) or [0]
    lessons = Progress.select().where(Progress.learner.in_(ids) & (Progress.status == "completed")
                                      & (Progress.with_help == False))
    attempts = QuizAttempt.select().where(QuizAttempt.learner.in_(ids) & (QuizAttempt.with_help == False))
    if within:
        lessons = lessons.where(Progress.completed_at.between(*within))
        attempts = attempts.where(QuizAttempt.created_at.between(*within))
    for row in lessons:
        if row.lesson_key in declared.lessons:
            credit(*declared.lessons[row.lesson_key], row.learner_id, "lessons")
    answered = set()        # a question answered right alone counts once per learner, however many attempts
    for attempt in attempts:
        for index, result in enumerate(attempt.results or []):
            where = (attempt.learner_id, attempt.lesson_key, index)
            if result.get("correct") and where[1:] in declared.questions and where not in answered:
                answered.add(where)
                credit(*declared.questions[where[1:]], attempt.learner_id, "answers")
    return [_entry(competence, work[code], highest.get(code, 0), lang)
            for code, competence in competences().items() if code in work]


def _entry(competence, item: dict, top: int, lang: str) -> dict:
    ready = [lid for lid, level in item["reached"].items() if top and level >= top]
    return {"code": competence.code, "name": competence.names["fr"],
            "translation": "" if lang.startswith("fr") else competence.names["en"],
            "lessons": item["lessons"], "answers": item["answers"], "learners": len(item["reached"]),
            "level": max(item["reached"].values()), "declared": top, "ready": len(ready)}


def competence_map_for(learners) -> list[dict]:
    """The map for the facilitator's pages (a template global): one learner or a group's members."""
    return competence_map([person.id for person in learners], str(get_locale()))
