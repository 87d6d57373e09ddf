"""Narration figures: espeak-ng + opusenc on the demo courses, per language, and the re-index cost after one change.

`run()` returns rows (figure, measured, baseline or goal); `python -m bench.narration_bench` prints them.
By default it measures a sample, the first demo course (every lesson, step, question and feedback, in each
of its languages), because the whole catalogue takes minutes; RELAIS_BENCH_NARRATION=all measures it all.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from .harness import ROOT


def run() -> list[tuple[str, str, str]]:
    if not (shutil.which("espeak-ng") and shutil.which("opusenc")):
        return [("narration", "skipped: espeak-ng or opusenc missing (apt-get install espeak-ng opus-tools)", "")]
    work = Path(tempfile.mkdtemp(prefix="relais-narration-bench-"))
    try:
        return _bench(work, whole=os.environ.get("RELAIS_BENCH_NARRATION") == "all")
    finally:
        from kiosk.db import database        # imported when run, like the other benches: kiosk loads only then
        if not database.is_closed():
            database.close()
        shutil.rmtree(work, ignore_errors=True)


def _bench(work: Path, whole: bool) -> list[tuple[str, str, str]]:
    # kiosk is imported when the bench runs, not when bench/ is imported (as in the other benches).
    from kiosk import db
    from kiosk.indexing import index_content
    from kiosk.narration.plan import NarrationConfig
    from kiosk.narration.worker import make_missing

    content = work / "content"
    courses = sorted(p for p in (ROOT / "content").iterdir() if p.is_dir())
    for course in courses if whole else courses[:1]:
        shutil.copytree(course, content / course.name)
    db.open_database(work / "data" / "relais.sqlite3")
    with db.database.connection_context():
        index_content(content, work / "data", "fr")
    config = NarrationConfig(data_dir=work / "data", content_dir=content, locales_dir=ROOT / "locales")
    started = time.perf_counter()
    tally = make_missing(config)
    wall = time.perf_counter() - started
    what = "whole demo catalogue" if whole else f"sample: course 1 of {len(courses)} ({courses[0].name})"
    rows = []
    for lang, per in sorted(tally.by_language.items()):
        rows.append((f"narration {lang} ({what}): {per['clips']} clips, {per['seconds'] / 60:.1f} min of speech",
                     f"{per['synthesis']:.1f} s to make, real-time factor {per['synthesis'] / per['seconds']:.3f}, "
                     f"{per['bytes'] / 1024:.0f} KB, {per['bytes'] / 1024 / (per['seconds'] / 60):.0f} KB/min",
                     "made once, in the background; goal ≤ 150 KB/min"))
    rows.append(("narration re-index after one changed sentence", _one_change(content, config, index_content),
                 "1 clip synthesised"))
    rows.append((f"narration total ({what})", f"{tally.synthesised} clips in {wall:.0f} s, "
                 f"{tally.audio_bytes / 2**20:.1f} MB", "start-up does not wait for it"))
    return rows


def _one_change(content: Path, config, index_content) -> str:
    # imported when the bench runs, as above
    from kiosk.db import database
    from kiosk.narration.worker import make_missing

    lesson = sorted(content.glob("*/*.md"))[0]
    text = lesson.read_text()
    at = text.index("\n## ") + 4
    lesson.write_text(text[:at] + "Again: " + text[at:])        # one step's title changes
    started = time.perf_counter()
    with database.connection_context():
        index_content(content, config.data_dir, "fr")
    tally = make_missing(config)
    return f"{tally.synthesised} clip synthesised, {tally.cached} kept, {time.perf_counter() - started:.1f} s"


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
