"""One row per learner-session, in the Coop's columns and values (labels, or the codes it stores).

A session is plain data: the kiosk builds them from its progress rows, the hub from the lesson states its
kiosks sent (docs/activity-export.md); both turn them into rows here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .vocabulary import columns, term, topics_for_tags

LABELS, CODES = "labels", "codes"
IN_CELL = "\n"      # several values in one cell, one a line, as the Coop's own export writes them

# Autonomy from "done alone / with help" (docs/activity-export.md has this table).
ALONE, PARTLY, ACCOMPANIED = "autonome", "partiellement_autonome", "entierement_accompagne"


@dataclass
class Session:
    """One learner's work on one day."""

    name: str
    day: date
    seconds: int = 0
    lessons: list[str] = field(default_factory=list)        # lesson keys
    with_help: int = 0                                       # lessons done with help
    group: str = ""                                          # the workshop's name when collective
    position: tuple[int, int] = (1, 1)                       # (this learner, learners) in the workshop

    @property
    def minutes(self) -> int:
        return max(1, round(self.seconds / 60))


def autonomy(session: Session) -> str:
    """The Coop's autonomy for an individual session: no lesson with help, some, or all of them."""
    if session.with_help == 0:
        return ALONE
    return ACCOMPANIED if session.with_help >= len(session.lessons) else PARTLY


def build(sessions: list[Session], tags: dict[str, list[str]], place: str, device: str, values: str = LABELS
          ) -> tuple[list[str], list[list]]:
    """The header (the Coop's headings) and the rows; the date stays a date for the writers to format.

    `tags` gives each lesson key its tags (a lesson without any adds no topic). `place` and `device` are the
    Coop's codes for type de lieu and matériel; a wrong one raises VocabularyError before any row is made.
    """
    def word(field_name: str, code: str) -> str:
        found = term(field_name, code)
        return found.code if values == CODES else found.label

    place_word, device_word = word("type_lieu", place), word("materiel", device)
    rows = []
    for item in sessions:
        topics = topics_for_tags(tag for key in item.lessons for tag in tags.get(key, []))
        collective = bool(item.group)
        cells = {
            "date": item.day,
            "type": word("type_activite", "collectif" if collective else "individuel"),
            "participants": "{}/{}".format(*item.position) if collective else 1,
            "beneficiaire": item.name,
            "canal": place_word,
            "duree": item.minutes,
            "atelier": item.group,
            "materiel": device_word,
            "thematiques": IN_CELL.join(word("thematique", code) for code in topics),
            "autonomie": "" if collective else word("autonomie", autonomy(item)),
            "commune": "", "tranche_age": "", "statut": "",          # neither app asks
        }
        rows.append([cells[column.code] for column in columns()])
    return [column.label for column in columns()], rows
