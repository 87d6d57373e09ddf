"""Re-reading changed lessons and courses and storing them: the heavy half of indexing."""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from urllib.parse import quote, unquote

from ..content.courseinfo import read_course_settings
from ..content.gift import parse_gift
from ..content.lesson import ParsedLesson, parse_lesson
from ..content.levels import easy_language, is_easy
from ..content.plainlanguage import plain_language_hints
from ..content.problems import ERROR, WARNING, Problem
from ..content.render import Media
from ..content.sources import read_text
from ..content.tree import ORDER_PREFIX, CourseFiles, LessonFiles, discover, split_language
from ..db import database
from ..media import SERVABLE, image_size, kind_of, resized_copy
from ..models import ContentFile, Course, KioskSetting, Lesson, LessonVersion
from .report import PARSER_VERSION, SUMMARY_KEY, IndexReport, summarise


def run(root: Path, data_dir: Path, default_language: str, report: IndexReport, tree: str) -> None:
    """Bring the catalogue tables in line with the folder; what cannot be read is recorded, not fatal."""
    seen_courses, seen_lessons, seen_files = set(), set(), set()
    _media_in.cache_clear()
    for position, course_files in enumerate(discover(root) if root.is_dir() else []):
        with database.atomic():     # one commit (one fsync) per course, not one per row
            course_id = _index_course(course_files, position, root, default_language, report)
            seen_courses.add(course_id)
            seen_files.update(_record_orphans(course_files.orphan_easy, root))
            for number, lesson_files in enumerate(course_files.lessons):
                seen_files.update(_rel(p, root) for p in _files_of(lesson_files))
                key = _index_lesson(course_id, course_files, lesson_files, number, root, data_dir, report,
                                    seen_lessons)
                if key:
                    seen_lessons.add(key)
            seen_files.update(_rel(p, root) for p in [*course_files.settings.values(), course_files.folder])
    with database.atomic():
        Lesson.delete().where(Lesson.key.not_in(seen_lessons or {""})).execute()
        Course.delete().where(Course.id.not_in(seen_courses or {""})).execute()
        ContentFile.delete().where(ContentFile.path.not_in(seen_files or {""})).execute()
        _drop_orphan_search_rows()
        KioskSetting.insert(key="catalog_fingerprint", value=tree).on_conflict_replace().execute()
        KioskSetting.insert(key=SUMMARY_KEY, value=summarise()).on_conflict_replace().execute()


def _index_course(files: CourseFiles, position: int, root: Path, default_language: str,
                  report: IndexReport) -> str:
    settings, texts, problems = read_course_settings(files.settings, files.folder, root)
    for lang, path in files.settings.items():
        _record(_rel(path, root), [p for p in problems if p.path == _rel(path, root)], False)
    _record(_rel(files.folder, root), [p for p in problems if p.path == _rel(files.folder, root)], False)
    course_id = settings["id"] or files.default_id
    language = settings["language"] or default_language
    texts.setdefault(None, {}).setdefault("title", _title_from_folder(files.folder))
    texts = {(lang or language): value for lang, value in texts.items()}
    cover = _media_url(files.folder / settings["cover"], root) if settings["cover"] else None
    fingerprint = _fingerprint(list(files.settings.values()), extra=language)
    order = settings["order"] if settings["order"] is not None else 1000 + position
    if not _same_course(course_id, fingerprint, order):
        values = dict(folder=_rel_folder(files.folder, root), position=order, language=language,
                      cover=cover, completion=settings["completion"], texts=texts, fingerprint=fingerprint)
        # An upsert, not REPLACE: replacing the row would cascade-delete the course's lessons.
        Course.insert(id=course_id, **values).on_conflict(
            conflict_target=[Course.id], update={getattr(Course, k): v for k, v in values.items()}).execute()
    return course_id


def _same_course(course_id: str, fingerprint: str, order: int) -> bool:
    row = Course.get_or_none(Course.id == course_id)
    return bool(row and row.fingerprint == fingerprint and row.position == order)


def _index_lesson(course_id: str, course: CourseFiles, files: LessonFiles, number: int, root: Path,
                  data_dir: Path, report: IndexReport, taken: set) -> str | None:
    course_row = Course.get_by_id(course_id)
    fingerprint = _fingerprint(_files_of(files) + _media_beside(files, course), extra=course_row.language)
    existing = Lesson.get_or_none((Lesson.course == course_id) & (Lesson.slug == files.slug))
    if existing and existing.fingerprint == fingerprint and existing.key not in taken:
        if existing.position != number:
            Lesson.update(position=number).where(Lesson.key == existing.key).execute()
        return existing.key
    report.parsed += 1
    versions = {}
    for lang, path in files.markdown.items():
        parsed, problems = _parse_file(path, lang, files, course, course_id, root, data_dir)
        _record(_rel(path, root), problems, parsed is None)
        if parsed is not None:
            versions[parsed.language or lang or course_row.language] = (parsed, path)
    if not versions:
        return None
    _add_easy_versions(versions, files, course, course_id, course_row.language, root, data_dir)
    base = versions.get(course_row.language) or next(iter(versions.values()))
    key = base[0].id or f"{course_id}/{files.slug}"
    if key in taken:
        path = _rel(base[1], root)
        _record(path, ContentFile.get_by_id(path).problems + [
            Problem(path, 1, ERROR, f"the id '{key}' is already used by another lesson; give each lesson "
                    "its own id.").__dict__], True)
        return None
    _store_lesson(key, course_id, files, number, fingerprint, versions, root)
    return key


def _add_easy_versions(versions: dict, files: LessonFiles, course: CourseFiles, course_id: str,
                       course_language: str, root: Path, data_dir: Path) -> None:
    """Each easy-to-read sibling becomes one more version, stored as 'fr-x-easy' (content/levels.py)."""
    for lang, path in files.easy.items():
        parsed, problems = _parse_file(path, lang, files, course, course_id, root, data_dir, easy=True)
        language = parsed and (parsed.language or lang or course_language)
        if parsed is not None and language not in versions:
            problems.append(Problem(_rel(path, root), 1, WARNING, f"this easy-to-read version is in '{language}' "
                                    f"but its lesson has no '{language}' version; it is not shown. Add the "
                                    "standard lesson in that language, or rename this file."))
            parsed = None
        _record(_rel(path, root), problems, parsed is None and any(p.is_error for p in problems))
        if parsed is not None:
            versions[easy_language(language)] = (parsed, path)


def _record_orphans(paths: list[Path], root: Path) -> list[str]:
    """An easy-to-read file with no lesson of the same name is reported, never served."""
    for path in paths:
        rel = _rel(path, root)
        _record(rel, [Problem(rel, 1, WARNING, "this easy-to-read version has no standard lesson beside it; "
                              "it is not shown. Name it after its lesson: '01-the-mouse.easy.md' beside "
                              "'01-the-mouse.md'.")], False)
    return [_rel(path, root) for path in paths]


def _parse_file(path: Path, lang, files: LessonFiles, course: CourseFiles, course_id: str, root: Path,
                data_dir: Path, easy: bool = False) -> tuple[ParsedLesson | None, list[Problem]]:
    rel = _rel(path, root)
    text, problems = read_text(path, rel)
    resolve = _resolver(path, course, course_id, root, data_dir)
    parsed, lesson_problems = parse_lesson(text, rel, resolve, fallback_title=_title_from_folder(path))
    problems += lesson_problems + plain_language_hints(text, rel, easy)
    gifts = files.easy_gift if easy else files.gift
    if parsed is not None and parsed.quiz is None and lang in gifts:
        gift_path = gifts[lang]
        gift_text, gift_problems = read_text(gift_path, _rel(gift_path, root))
        parsed.quiz, quiz_problems = parse_gift(gift_text, _rel(gift_path, root))
        _record(_rel(gift_path, root), gift_problems + quiz_problems, False)
    return parsed, problems


def _store_lesson(key, course_id, files: LessonFiles, number, fingerprint, versions, root) -> None:
    """Replace the lesson's rows and search entries in one transaction."""
    with database.atomic():
        Lesson.delete().where((Lesson.key == key) | ((Lesson.course == course_id) &
                                                      (Lesson.slug == files.slug))).execute()
        durations = [p.duration for p, _ in versions.values() if p.duration]
        Lesson.create(key=key, course=course_id, slug=files.slug, position=number,
                      duration=durations[0] if durations else None, source=files.base,
                      fingerprint=fingerprint)
        for language, (parsed, path) in versions.items():
            audio = None if is_easy(language) else files.audio.get(split_language(path.stem)[1])
            version = LessonVersion.create(
                lesson=key, language=language, title=parsed.title, objectives=parsed.objectives,
                level=parsed.level, tags=parsed.tags,
                steps=[{"title": s.title, "html": s.html} for s in parsed.steps],
                quiz=parsed.quiz.to_dict() if parsed.quiz else None,
                audio=_media_url(audio, root) if audio else None, source=_rel(path, root),
                crcn=parsed.crcn, crcn_level=parsed.crcn_level)
            database.execute_sql("INSERT INTO lesson_search (title, body, version_id) VALUES (?, ?, ?)",
                                 (parsed.title, parsed.text, version.id))
        _drop_orphan_search_rows()


def _drop_orphan_search_rows() -> None:
    database.execute_sql("DELETE FROM lesson_search WHERE version_id NOT IN (SELECT id FROM lesson_version)")


def _resolver(lesson_path: Path, course: CourseFiles, course_id: str, root: Path, data_dir: Path):
    """Resolve a lesson's relative links to kiosk URLs, refusing anything outside the course folder."""
    slugs = {les.base: les.slug for les in course.lessons}
    folder = course.folder.resolve()

    def resolve(target: str) -> Media | None:
        target = unquote(target.split("#", 1)[0].split("?", 1)[0]).strip().replace("\\", "/")
        if not target or target.startswith("/"):
            return None
        path = (lesson_path.parent / target).resolve()
        if folder not in path.parents:
            return None
        if path.suffix in (".md", ".markdown"):
            base = str(path.relative_to(folder).with_suffix(""))
            slug = slugs.get(split_language(base)[0]) if path.is_file() else None
            return Media("lesson", f"/courses/{course_id}/{slug}") if slug else None
        if not path.is_file() or path.suffix.lower() not in SERVABLE:
            return None
        return _media(path, root, data_dir)

    return resolve


def _media(path: Path, root: Path, data_dir: Path) -> Media:
    kind, url = kind_of(path), _media_url(path, root)
    media = Media(kind, url, mime=SERVABLE[path.suffix.lower()], path=path)
    if kind == "image":
        small = resized_copy(path, data_dir / "media-cache")
        if small:
            media.url, media.width, media.height, media.original_url = (
                f"/media-cache/{small[0]}", small[1], small[2], url)
        else:
            media.width, media.height = image_size(path) or (None, None)
    elif kind == "video":
        for vtt in sorted(path.parent.glob(f"{path.stem}*.vtt")):
            lang = split_language(vtt.stem)[1]
            if vtt.stem == path.stem or lang:
                media.captions.append((lang or "", _media_url(vtt, root)))
    return media


def _media_url(path: Path, root: Path) -> str:
    stat_version = int(path.stat().st_mtime) if path.exists() else 0
    return f"/media/{quote(str(path.resolve().relative_to(root)))}?v={stat_version}"


def _record(path: str, problems: list, skipped: bool) -> None:
    as_dicts = [p if isinstance(p, dict) else p.__dict__ for p in problems]
    ContentFile.insert(path=path, problems=as_dicts, skipped=skipped).on_conflict_replace().execute()


def _files_of(files: LessonFiles) -> list[Path]:
    return [*files.markdown.values(), *files.gift.values(), *files.audio.values(), *files.easy.values(),
            *files.easy_gift.values()]


def _media_beside(files: LessonFiles, course: CourseFiles) -> list[Path]:
    return _media_in((course.folder / files.base).parent)


@functools.lru_cache(maxsize=64)
def _media_in(folder: Path) -> list[Path]:
    """Media files of a folder (cached for one indexing run: fifty lessons share a folder)."""
    return [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SERVABLE]


def _fingerprint(paths: list[Path], extra: str = "") -> str:
    digest = hashlib.sha256(f"{PARSER_VERSION}:{extra}".encode())
    for path in sorted(paths):
        stat = path.stat()
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def _rel(path: Path, root: Path) -> str:
    return str(path.resolve().relative_to(root.parent))


def _rel_folder(folder: Path, root: Path) -> str:
    return str(folder.resolve().relative_to(root))


def _title_from_folder(path: Path) -> str:
    name = split_language(path.stem)[0] if path.suffix else path.name
    match = ORDER_PREFIX.match(name)
    return (match.group(2) if match else name).replace("-", " ").replace("_", " ").strip().capitalize()
