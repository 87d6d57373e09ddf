"""Reading a content file as text, whatever its encoding, and splitting off its front matter."""
from __future__ import annotations

import re
from pathlib import Path

import yaml
from charset_normalizer import from_bytes

from .problems import ERROR, WARNING, Problem

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)


def read_text(path: Path, rel: str) -> tuple[str, list[Problem]]:
    """Return the file's text; a non-UTF-8 file is decoded by guessing and reported as a warning."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
        problems = []
    except UnicodeDecodeError:
        best = from_bytes(raw).best()
        encoding = best.encoding if best else "cp1252"
        text = raw.decode(encoding, errors="replace")
        problems = [Problem(rel, 0, WARNING, f"this file is not UTF-8; it was read as {encoding}. "
                            "Save it as UTF-8 to be sure accents show right.")]
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return text, problems


def split_front_matter(text: str, rel: str) -> tuple[dict, str, int, list[Problem]]:
    """Return (metadata, body, line where the body starts, problems); bad YAML is reported, not fatal."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text, 1, []
    body = text[match.end():]
    first_body_line = text.count("\n", 0, match.end()) + 1
    meta, problems = load_yaml(match.group(1), rel, line_offset=1)
    return meta, body, first_body_line, problems


def load_yaml(source: str, rel: str, line_offset: int = 0) -> tuple[dict, list[Problem]]:
    """Parse a YAML mapping safely; anything else is reported and treated as empty."""
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 1 + line_offset) if mark else line_offset or 1
        reason = getattr(exc, "problem", None) or "it is not valid YAML"
        return {}, [Problem(rel, line, ERROR, f"the settings block cannot be read ({reason}); "
                            "check the indentation and the colons.")]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [Problem(rel, line_offset or 1, WARNING,
                            "the settings block should be a list of 'key: value' lines; it was ignored.")]
    return {str(k): v for k, v in data.items()}, []


MMD_LINE = re.compile(r"^(?P<key>[A-Za-z][\w -]{0,30}?)[ \t]*:[ \t]+(?P<value>.*?)[ \t]*$")
MMD_KEYS = {"title", "author", "authors", "date", "language", "lang", "tags", "keywords", "duration",
            "level", "summary", "description", "subtitle", "id", "objectives", "copyright", "affiliation"}
PANDOC_TITLE = re.compile(r"^%[ \t]+(?P<value>.*?)[ \t]*$")


def split_metadata_header(body: str) -> tuple[dict, str]:
    """MultiMarkdown `Key: value` lines or a Pandoc `% Title` block at the top, as metadata.

    The lines are blanked, not removed, so the line numbers of the text after them stay right. A
    MultiMarkdown header counts only when every line is `Key: value` and one key is a known one, so
    a lesson that starts with "Remember: …" keeps its first sentence.
    """
    lines = body.split("\n")
    count = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    if count == 0:
        return {}, body
    if all(PANDOC_TITLE.match(line) for line in lines[:count]) and count <= 3:
        values = [PANDOC_TITLE.match(line).group("value") for line in lines[:count]]
        meta = dict(zip(("title", "author", "date"), values))
    else:
        pairs = [MMD_LINE.match(line) for line in lines[:count]]
        if not all(pairs):
            return {}, body
        meta = {p.group("key").strip().lower().replace(" ", "_"): p.group("value") for p in pairs}
        if not MMD_KEYS & set(meta):
            return {}, body
    return {k: v for k, v in meta.items() if v}, "\n" * count + "\n".join(lines[count:])
