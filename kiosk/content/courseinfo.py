"""course.yml and its translated siblings: the course's title, description, order and completion rule."""
from __future__ import annotations

from pathlib import Path

from .coursefacts import guess_language, guess_title
from .problems import WARNING, Problem
from .quizmodel import DEFAULT_PASS_MARK
from .sources import load_yaml, read_text

TRANSLATABLE = ("title", "description", "audience", "cover_alt", "skills")


def read_course_settings(files: dict, folder: Path, root: Path) -> tuple[dict, dict, list[Problem]]:
    """Return (settings from course.yml, language → translatable texts, problems)."""
    problems: list[Problem] = []
    by_lang: dict = {}
    for lang, path in files.items():
        text, read_problems = read_text(path, _rel(path, root))
        data, yaml_problems = load_yaml(text, _rel(path, root))
        problems += read_problems + yaml_problems
        by_lang[lang] = data
    base = by_lang.get(None, {})
    settings = {
        "id": _str(base.get("id")),
        "language": _str(base.get("language")),
        "cover": _str(base.get("cover")),
        "order": base.get("order") if isinstance(base.get("order"), int) else None,
        "completion": _completion(base.get("completion"), _rel(files.get(None, folder), root), problems),
    }
    texts = {lang: {k: _texts(data.get(k)) for k in TRANSLATABLE if data.get(k) is not None}
             for lang, data in by_lang.items()}
    if not texts.get(None, {}).get("title"):
        title = guess_title(folder)
        if title:
            texts.setdefault(None, {})["title"] = title
    if not settings["language"]:
        settings["language"] = _guessed_language(folder, _rel(folder, root), problems, folder != root)
    return settings, texts, problems


def _guessed_language(folder: Path, rel: str, problems: list[Problem], recursive: bool) -> str:
    """The language the course's lessons are written in, said in the lint output; "" if unclear."""
    language = guess_language(folder, recursive)
    if language:
        problems.append(Problem(rel, 0, WARNING, f"no language is declared for this course; its lessons "
                                f"read as '{language}', so they are served in that language. Write "
                                f"'language: {language}' in course.yml to be sure."))
    else:
        problems.append(Problem(rel, 0, WARNING, "no language is declared for this course and its text "
                                "is too short to tell; the kiosk's default language is used. Write "
                                "'language: en' (or fr, ar…) in course.yml."))
    return language or ""


def _completion(value, rel: str, problems: list[Problem]) -> dict:
    rule = {"lessons": "all", "pass_mark": DEFAULT_PASS_MARK}
    if value is None:
        return rule
    if not isinstance(value, dict):
        problems.append(Problem(rel, 0, WARNING, "'completion' should hold 'lessons: all' and "
                                "'pass_mark: 70'; the default rule is used."))
        return rule
    mark = value.get("pass_mark", DEFAULT_PASS_MARK)
    if isinstance(mark, int) and not isinstance(mark, bool) and 0 <= mark <= 100:
        rule["pass_mark"] = mark
    elif mark is not None:
        problems.append(Problem(rel, 0, WARNING, f"the pass mark '{mark}' should be a number from 0 to 100."))
    return rule


def _texts(value):
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return str(value).strip()


def _str(value) -> str:
    return str(value).strip() if value is not None else ""


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)
