"""Indexing a content folder: incremental, tolerant of broken and foreign files, checked from the CLI."""
import os
import subprocess
import sys
import time

from kiosk.db import database, open_database
from kiosk.indexing import index_content
from kiosk.migrations import available, current_version
from kiosk.models import ContentFile, Course, KioskSetting, Lesson, LessonVersion
from tests.conftest import ROOT, write_tree


def index(content, data):
    with database.connection_context():
        return index_content(content, data, "fr")


def test_only_changed_files_are_parsed_again(tmp_path, content_dir):
    open_database(tmp_path / "db.sqlite3")
    first = index(content_dir, tmp_path)
    assert (first.courses, first.lessons, first.parsed) == (1, 2, 2)
    assert index(content_dir, tmp_path).parsed == 0
    lesson = content_dir / "01-basics" / "02-reading.md"
    lesson.write_text("# Reading again\n\nChanged.\n")
    os.utime(lesson, (time.time() + 5, time.time() + 5))
    again = index(content_dir, tmp_path)
    assert again.parsed == 1
    with database.connection_context():
        assert LessonVersion.get(LessonVersion.title == "Reading again")


def test_removed_lessons_leave_the_catalogue(tmp_path, content_dir):
    open_database(tmp_path / "db.sqlite3")
    index(content_dir, tmp_path)
    (content_dir / "01-basics" / "02-reading.md").unlink()
    assert index(content_dir, tmp_path).lessons == 1


def test_a_broken_file_is_skipped_and_the_rest_still_serves(make_app, content_dir):
    write_tree(content_dir, {
        "01-basics/03-broken.md": "---\ntitle: [oops\n---\ntext\n",
        "01-basics/04-empty.md": "\n\n",
        "01-basics/05-latin1.md": "# Caf\xe9\n\nD\xe9j\xe0 vu.\n".encode("cp1252"),
        "02-jekyll/index.md": "---\nlayout: page\npermalink: /x/\n---\n# Docs\n{: .lead}\n<div markdown=1>*hi*</div>\n",
        "02-jekyll/_config.yml": "theme: x\n",
        "02-jekyll/sub/page.md": "Text with a [broken link](missing.md) and ![](gone.png)\n",
    })
    app = make_app(content_dir)
    health = app.test_client().get("/healthz").get_json()
    assert health["lessons"] == 5
    assert sorted(health["skipped_files"]) == ["content/01-basics/03-broken.md", "content/01-basics/04-empty.md"]
    with database.connection_context():
        latin = LessonVersion.get(LessonVersion.source == "content/01-basics/05-latin1.md")
        assert latin.title == "Café"
        warnings = ContentFile.get_by_id("content/01-basics/05-latin1.md").problems
        assert "UTF-8" in warnings[0]["message"]


def test_two_lessons_with_the_same_id_are_reported(tmp_path, content_dir):
    write_tree(content_dir, {"01-basics/03-copy.md": "---\nid: basics-mouse\n---\n# Copy\n\ntext\n"})
    open_database(tmp_path / "db.sqlite3")
    report = index(content_dir, tmp_path)
    assert report.lessons == 2
    assert any("already used" in p.message and p.path.endswith("03-copy.md") for p in report.problems)


def test_course_settings_and_translations(tmp_path, content_dir):
    open_database(tmp_path / "db.sqlite3")
    index(content_dir, tmp_path)
    with database.connection_context():
        course = Course.get_by_id("basics")
        assert course.texts["en"]["title"] == "Basics" and course.texts["fr"]["title"] == "Les bases"
        assert course.completion == {"lessons": "all", "pass_mark": 70}
        assert sorted(v.language for v in Lesson.get_by_id("basics-mouse").versions) == ["en", "fr"]


def test_check_content_prints_file_line_messages_and_fails_on_errors(content_dir):
    write_tree(content_dir, {"01-basics/03-broken.md": "# Quiz\n\n```quiz\n? No answer\n```\n\n![](nope.png)\n"})
    result = subprocess.run([sys.executable, "run.py", "check-content", str(content_dir)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "content/01-basics/03-broken.md:4: error: this question has no answers" in result.stdout
    assert "content/01-basics/03-broken.md:7: warning:" in result.stdout


def test_the_demo_content_has_no_errors():
    result = subprocess.run([sys.executable, "run.py", "check-content", "content"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert "0 errors" in result.stdout


def test_migrations_build_the_schema_from_an_empty_database(tmp_path):
    db = open_database(tmp_path / "fresh.sqlite3")
    with db.connection_context():
        assert current_version(db) == available()[-1].NUMBER
        tables = set(db.get_tables())
        assert {"learner", "progress", "quiz_attempt", "outbox_event", "lesson", "facilitator"} <= tables
        assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2      # FULL
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_serving_kiosk_counts_the_problems_a_warm_start_does_not_read(tmp_path, content_dir):
    """problems=False: the files skipped and the problems counted as the last re-read left them, also on a
    database indexed before that summary was kept; the problems themselves stay in the database."""
    write_tree(content_dir, {"01-basics/03-broken.md": "---\ntitle: [oops\n---\ntext\n",
                             "01-basics/04-link.md": "Text with a [broken link](missing.md)\n"})
    open_database(tmp_path / "db.sqlite3")
    with database.connection_context():
        cold = index_content(content_dir, tmp_path, "fr")
        warm = index_content(content_dir, tmp_path, "fr", problems=False)
        KioskSetting.delete().where(KioskSetting.key == "catalog_summary").execute()
        older = index_content(content_dir, tmp_path, "fr", problems=False)
    assert cold.parsed == 4 and warm.parsed == older.parsed == 0
    assert cold.skipped == warm.skipped == older.skipped == ["content/01-basics/03-broken.md"]
    assert cold.problem_count == len(cold.problems) == warm.problem_count == older.problem_count >= 2
    assert warm.problems == older.problems == []
