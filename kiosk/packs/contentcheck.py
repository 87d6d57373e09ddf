"""The content check (the indexer on a throw-away database), run in a child process.

A child process because the indexer uses the kiosk's one database handle: running it inside a serving
kiosk would point learners' requests at the throw-away database. It also keeps the parsers' memory out
of the kiosk. Run by hand: `python -m kiosk.packs.contentcheck FOLDER [LANGUAGE]`.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sync.packs.errors import PackError, _l

from ..content.levels import spoken_language
from ..db import database, open_database
from ..indexing import index_content
from ..models import LessonVersion

TIMEOUT = 30 * 60        # seconds: a big catalogue on a slow SD card


@dataclass
class CheckResult:
    courses: int = 0
    lessons: int = 0
    languages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_folder(folder: Path, language: str) -> CheckResult:
    """Index `folder` on a throw-away database in a child process; what it found, errors included."""
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    try:
        done = subprocess.run([sys.executable, "-m", "kiosk.packs.contentcheck", str(folder), language],
                              capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False)
        return CheckResult(**json.loads(done.stdout.strip().splitlines()[-1]))
    except (subprocess.SubprocessError, OSError, ValueError, IndexError, TypeError):
        tail = locals().get("done")
        raise PackError(_l("the content check could not run (%(detail)s)."),
                        detail=(tail.stderr.strip().splitlines() or ["?"])[-1] if tail else "timeout") from None


def _run(folder: Path, language: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        open_database(Path(tmp) / "check.sqlite3")
        with database.connection_context():
            report = index_content(folder, Path(tmp), language)
            languages = sorted({spoken_language(v.language) for v in LessonVersion.select(LessonVersion.language)})
        database.close()
    problems = sorted(report.problems, key=lambda p: (p.path, p.line))
    prefix = f"{folder.resolve().name}/"      # a temporary folder's name says nothing to the reader

    def text(problem) -> str:
        return str(problem).removeprefix(prefix)

    return {"courses": report.courses, "lessons": report.lessons, "languages": languages,
            "errors": [text(p) for p in problems if p.is_error],
            "warnings": [text(p) for p in problems if not p.is_error]}


if __name__ == "__main__":
    print(json.dumps(_run(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "fr")))
