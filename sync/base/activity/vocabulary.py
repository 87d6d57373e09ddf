"""The Coop de la médiation numérique's vocabulary and Relais's topic table, read from the data files beside
this module (coop_vocabulary.csv and topics.csv, each naming its source). Both apps' exports read them here."""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent


class VocabularyError(ValueError):
    """A value that is not one of the Coop's (a setting or a table written by hand)."""


@dataclass(frozen=True)
class Term:
    field: str
    code: str
    enum: str
    label: str
    meaning: str


def read_table(path: Path) -> list[dict]:
    """The rows of one of our CSV data files; lines starting with '#' are its header comment."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


@functools.lru_cache(maxsize=1)
def terms() -> tuple[Term, ...]:
    return tuple(Term(**row) for row in read_table(HERE / "coop_vocabulary.csv"))


def codes(field: str) -> list[str]:
    """The Coop's stored values for one field, in its order."""
    return [t.code for t in terms() if t.field == field]


def term(field: str, code: str) -> Term:
    """The Coop's term for this code, or VocabularyError naming the values it accepts."""
    for item in terms():
        if item.field == field and item.code == code:
            return item
    raise VocabularyError(f"'{code}' is not a value of the Coop's {field}; use one of: {', '.join(codes(field))}.")


def columns() -> list[Term]:
    """The export's columns, in order; `label` is the Coop's own heading."""
    return [t for t in terms() if t.field == "column"]


@functools.lru_cache(maxsize=1)
def topic_table() -> dict[str, tuple[str, ...]]:
    """Lower-cased lesson tag → the Coop's thématique codes (each checked against the vocabulary)."""
    table: dict[str, tuple[str, ...]] = {}
    for row in read_table(HERE / "topics.csv"):
        code = term("thematique", row["thematique"]).code
        key = row["tag"].strip().lower()
        table[key] = table.get(key, ()) + (code,)
    return table


def topics_for_tags(tags) -> list[str]:
    """The thématique codes a lesson's tags stand for, each once, in the Coop's order."""
    table = topic_table()
    found = {code for tag in tags for code in table.get(str(tag).strip().lower(), ())}
    return [code for code in codes("thematique") if code in found]
