"""Finding courses, lessons and their language siblings in a content folder (no parsing here)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .levels import split_level

LANG_SUFFIX = re.compile(r"^(?P<base>.+?)\.(?P<lang>[a-z]{2}(?:_[A-Z]{2})?)$")
ORDER_PREFIX = re.compile(r"^(\d+)[-_. ]+(.+)$")
AUDIO_EXT = {".mp3", ".ogg", ".m4a", ".wav", ".opus"}


@dataclass
class LessonFiles:
    """A lesson's files by language code (None = the course's language)."""

    slug: str
    base: str                      # course-relative path without language code and extension
    order: tuple
    markdown: dict = field(default_factory=dict)
    gift: dict = field(default_factory=dict)
    audio: dict = field(default_factory=dict)
    easy: dict = field(default_factory=dict)        # the easy-to-read versions (levels.py), by language
    easy_gift: dict = field(default_factory=dict)


@dataclass
class CourseFiles:
    folder: Path
    default_id: str
    order: tuple
    settings: dict = field(default_factory=dict)     # language → course.yml path
    lessons: list[LessonFiles] = field(default_factory=list)
    orphan_easy: list[Path] = field(default_factory=list)    # easy versions with no standard lesson beside


def split_language(stem: str) -> tuple[str, str | None]:
    """'01-the-mouse.fr' → ('01-the-mouse', 'fr'); a stem without a language code → (stem, None)."""
    match = LANG_SUFFIX.match(stem)
    return (match.group("base"), match.group("lang")) if match else (stem, None)


def slugify(name: str, keep_prefix: bool = False) -> str:
    """A URL-safe id from a file or folder name, without its numeric prefix unless asked."""
    match = None if keep_prefix else ORDER_PREFIX.match(name)
    name = match.group(2) if match else name
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "item"


def order_key(name: str) -> tuple:
    match = ORDER_PREFIX.match(name)
    return (0, int(match.group(1)), name) if match else (1, 0, name)


def discover(root: Path) -> list[CourseFiles]:
    """Each folder of the root is a course; Markdown files lying at the root form one more course."""
    courses = []
    if any(p.suffix == ".md" and _visible(p.name) for p in root.iterdir() if p.is_file()):
        courses.append(_course(root, root, recursive=False))
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and _visible(p.name)):
        course = _course(folder, root, recursive=True)
        if course.lessons or course.settings:
            courses.append(course)
    seen: set[str] = set()
    for course in courses:       # '01-basics' and '02-basics' must not share an id
        if course.default_id in seen:
            course.default_id = slugify(course.folder.name, keep_prefix=True)
        seen.add(course.default_id)
    return courses


def _course(folder: Path, root: Path, recursive: bool) -> CourseFiles:
    course = CourseFiles(folder=folder, default_id=slugify(folder.name), order=order_key(folder.name))
    lessons: dict[str, LessonFiles] = {}
    audio: list[tuple[str, str | None, Path]] = []
    for path in sorted(_walk(folder, recursive)):
        rel = path.relative_to(folder)
        stem, lang = split_language(path.stem if path.suffix else path.name)
        base = str(rel.parent / stem) if rel.parent != Path(".") else stem
        standard, easy = split_level(base) if path.suffix in (".md", ".markdown", ".gift") else (base, False)
        if easy:
            files = _lesson(lessons, standard)
            (files.easy if path.suffix != ".gift" else files.easy_gift)[lang] = path
        elif path.suffix == ".yml" and stem == "course" and rel.parent == Path("."):
            course.settings[lang] = path
        elif path.suffix in (".md", ".markdown"):
            _lesson(lessons, base).markdown[lang] = path
        elif path.suffix == ".gift":
            _lesson(lessons, base).gift[lang] = path
        elif path.suffix in AUDIO_EXT:
            audio.append((base, lang, path))
    for base, lang, path in audio:
        if base in lessons:
            lessons[base].audio[lang] = path
    course.orphan_easy = sorted(path for les in lessons.values() if not les.markdown for path in les.easy.values())
    course.lessons = sorted((les for les in lessons.values() if les.markdown),
                            key=lambda les: tuple(order_key(part) for part in Path(les.base).parts))
    _unique_slugs(course.lessons)
    return course


def _lesson(lessons: dict, base: str) -> LessonFiles:
    if base not in lessons:
        name = Path(base).name
        lessons[base] = LessonFiles(slug=slugify(name), base=base, order=order_key(name))
    return lessons[base]


def _unique_slugs(lessons: list[LessonFiles]) -> None:
    seen: set[str] = set()
    for lesson in lessons:
        if lesson.slug in seen:
            lesson.slug = slugify(lesson.base.replace("/", "-"), keep_prefix=True)
        seen.add(lesson.slug)


def _walk(folder: Path, recursive: bool):
    for path in folder.iterdir():
        if not _visible(path.name) or path.is_symlink():
            continue
        if path.is_file():
            yield path
        elif path.is_dir() and recursive:
            yield from _walk(path, True)


def _visible(name: str) -> bool:
    return not name.startswith((".", "_"))
