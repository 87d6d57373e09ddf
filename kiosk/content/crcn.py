"""CRCN competences a lesson or a quiz question declares (`crcn: "1.1"`, `crcn_level: 2`), checked against the
framework in crcn.yml; a wrong code or level is an error at its file:line and the declaration is dropped."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from .problems import ERROR, Problem


@dataclass(frozen=True)
class Competence:
    code: str
    area: str
    names: dict          # language → name
    area_names: dict


@functools.lru_cache(maxsize=1)
def framework() -> dict:
    import yaml  # read once, when a lesson is indexed or a report asks: a kiosk serving lessons never needs it

    return yaml.safe_load((Path(__file__).with_name("crcn.yml")).read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def competences() -> dict[str, Competence]:
    """The 16 competences by code, in the framework's order."""
    found = {}
    for area, data in framework()["areas"].items():
        names = {k: v for k, v in data.items() if k != "competences"}
        for code, text in data["competences"].items():
            found[code] = Competence(code=code, area=area, names=dict(text), area_names=names)
    return found


def levels() -> list[int]:
    return list(framework()["levels"])


def read_declaration(code, level, rel: str, line: int, problems: list[Problem]) -> tuple[str, int]:
    """The (code, level) declared, ("", 0) when none or when wrong (then with an error at `line`)."""
    if code is None and level is None:
        return "", 0
    text = str(code).strip() if code is not None else ""
    if text not in competences():
        problems.append(Problem(rel, line, ERROR, f"'{text}' is not a CRCN competence; write one of "
                                f"{', '.join(competences())} (crcn: \"1.1\")."))
        return "", 0
    if level is None:
        return text, 0
    number = str(level).strip()
    if not re.fullmatch(r"[0-9]+", number) or int(number) not in levels():
        problems.append(Problem(rel, line, ERROR, f"the CRCN level '{level}' should be a whole number "
                                f"from {levels()[0]} to {levels()[-1]}."))
        return "", 0
    return text, int(number)


def key_line(text: str, key: str) -> int:
    """The line of `key:` in a file's front matter (1 when not found, the front matter's first line)."""
    for number, line in enumerate(text.split("\n")[:200], start=1):
        if re.match(rf"\s*{re.escape(key)}\s*:", line):
            return number
    return 1


def from_front_matter(meta: dict, text: str, rel: str, problems: list[Problem]) -> tuple[str, int]:
    """The lesson's own declaration, each mistake reported on the line of its key."""
    return declaration(meta.get("crcn"), meta.get("crcn_level"), rel, key_line(text, "crcn"),
                       key_line(text, "crcn_level"), problems)


def declaration(code, level, rel: str, code_line: int, level_line: int, problems: list[Problem]
                ) -> tuple[str, int]:
    """Check a code and a level written on two lines (front matter keys, or lines of a quiz question)."""
    if code is None and level is not None:
        problems.append(Problem(rel, level_line, ERROR, "a CRCN level needs its competence: add crcn: \"1.1\"."))
        return "", 0
    found, _ = read_declaration(code, None, rel, code_line, problems)
    if not found or level is None:
        return found, 0
    return read_declaration(code, level, rel, level_line, problems)
