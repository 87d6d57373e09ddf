"""A course's title and language when its folder has no course.yml that says them.

The title comes from the folder's index.md or README.md (its front matter, or its first heading),
or from a site generator's settings beside it (mkdocs.yml, _config.yml, config.yaml); never from the
folder's name with its accents lost. The language is read from the lessons' text.
"""
from __future__ import annotations

import re
from pathlib import Path

from .language import detect_language
from .sources import load_yaml, read_text, split_front_matter, split_metadata_header
from .tree import order_key, split_language

INDEX_NAMES = ("index.md", "readme.md", "_index.md", "index.markdown", "readme.markdown")
SITE_SETTINGS = (("mkdocs.yml", "site_name"), ("_config.yml", "title"), ("config.yaml", "title"),
                 ("myst.yml", "title"))
FIRST_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
CODE_BLOCK = re.compile(r"^[ \t]*(`{3,}|~{3,}).*?^[ \t]*\1[ \t]*$", re.M | re.S)
SAMPLE_FILES = 6
SAMPLE_CHARS = 6000


def guess_title(folder: Path) -> str:
    """The course title its own files give, or "" when they give none."""
    for path in _files(folder):
        if path.name.lower() in INDEX_NAMES:
            title = _title_of(path)
            if title:
                return title
    for name, key in SITE_SETTINGS:
        path = folder / name
        if path.is_file():
            data, _ = load_yaml(read_text(path, name)[0], name)
            if isinstance(data.get(key), str) and data[key].strip():
                return data[key].strip()
    return ""


def guess_language(folder: Path, recursive: bool = True) -> str | None:
    """The language of the course's lessons written without a language code, from a sample of them."""
    lessons = sorted((p for p in _files(folder, recursive)
                      if p.suffix in (".md", ".markdown") and split_language(p.stem)[1] is None),
                     key=lambda p: tuple(order_key(part) for part in p.relative_to(folder).parts))
    sample = []
    for path in lessons[:SAMPLE_FILES]:
        _, body, _, _ = split_front_matter(read_text(path, path.name)[0], path.name)
        sample.append(CODE_BLOCK.sub(" ", body)[:SAMPLE_CHARS])
    return detect_language("\n".join(sample))


def _title_of(path: Path) -> str:
    meta, body, _, _ = split_front_matter(read_text(path, path.name)[0], path.name)
    header, body = split_metadata_header(body)
    title = meta.get("title") or header.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    heading = FIRST_HEADING.search(CODE_BLOCK.sub(" ", body))
    return re.sub(r"[*_`]|\{[^}]*\}", "", heading.group(1)).strip() if heading else ""


def _files(folder: Path, recursive: bool = False):
    if not folder.is_dir():
        return []
    found = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(p for p in found if p.is_file() and not any(part.startswith((".", "_"))
                                                                for part in p.relative_to(folder).parts[:-1])
                  and not p.name.startswith("."))
