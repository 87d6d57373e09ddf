"""Fuzz fixtures: signed packs and broken zips to upload, the kiosk, a hub per database; the counts at the end."""
from __future__ import annotations

import io
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

import pytest

from kiosk.packs import build_pack, keygen
from tests.conftest import SMALL_COURSE, write_tree

from . import inputs
from .targets import TALLY

POSTGRES_URL = os.environ.get("RELAIS_TEST_POSTGRES")
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.skipif(
        not POSTGRES_URL, reason="set RELAIS_TEST_POSTGRES=postgresql://… to fuzz the hub on PostgreSQL")),
]
# Version 2 renames the mouse lesson's file (its id stays) and adds a lesson, as a real update does.
V2_COURSE = {**{k: v for k, v in SMALL_COURSE.items() if "01-the-mouse" not in k},
             "01-basics/03-using-a-mouse.md": SMALL_COURSE["01-basics/01-the-mouse.md"],
             "01-basics/03-using-a-mouse.fr.md": SMALL_COURSE["01-basics/01-the-mouse.fr.md"],
             "01-basics/04-new.md": "# New\n\n## Step\n\nNew in version 2.\n"}


def _zip(members: dict[str, bytes], kind: int = stat.S_IFREG) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            info = zipfile.ZipInfo(name)
            info.external_attr, info.compress_type = (kind | 0o644) << 16, zipfile.ZIP_DEFLATED
            archive.writestr(info, body)
    return out.getvalue()


@pytest.fixture(scope="session")
def scratch(tmp_path_factory):
    """Where the fuzzed kiosk and hubs keep their files: in memory (/dev/shm) when the machine has it.

    Both apps wait for fsync at every commit (synchronous=FULL) and thousands of fuzzed requests write;
    this suite checks answers, not durability (tests/reliability does that, on disk).
    """
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path_factory.mktemp("fuzz")
        return
    root = Path(tempfile.mkdtemp(prefix="relais-fuzz-", dir=shm))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def packs(tmp_path_factory):
    """A publisher's key, two versions of the small course, a stranger's pack and a gzip bomb."""
    root = tmp_path_factory.mktemp("fuzz-publisher")
    private, public, _ = keygen(root / "keys")
    stranger, _, _ = keygen(root / "stranger")
    built = {"public": public}
    for label, tree, key, version in (("v1", SMALL_COURSE, private, 1), ("v2", V2_COURSE, private, 2),
                                      ("stranger", SMALL_COURSE, stranger, 9)):
        built[label] = root / f"basics-{label}.zip"
        build_pack(write_tree(root / label, tree), built[label], key, version=version, pack_id="basics")
    built["gzip bomb"] = inputs.gzip_bomb()
    return built


@pytest.fixture(scope="session")
def uploads(packs) -> list[tuple[str, bytes]]:
    """Files a facilitator might upload or plug in: real packs, damaged ones, a zip bomb, not zips at all."""
    v2 = packs["v2"].read_bytes()
    return [
        ("basics-v2.zip", v2), ("basics-v1.zip", packs["v1"].read_bytes()),
        ("stranger.zip", packs["stranger"].read_bytes()), ("cut.zip", v2[: len(v2) // 2]),
        ("bomb.zip", _zip({"manifest.json": b"{}", "content/a.md": b"\0" * (30 * 1024 * 1024)})),
        ("escape.zip", _zip({"../../escape.md": b"x", "manifest.json": b"{}"})),
        ("link.zip", _zip({"content/a.md": b"/etc/passwd"}, stat.S_IFLNK)),
        ("empty.zip", _zip({})), ("notes.zip", b"just some text, not a zip"), ("nothing.zip", b""),
    ]


def pytest_terminal_summary(terminalreporter):
    """`fuzz: kiosk/sqlite 3120 requests, 0 5xx`: the figures to quote, one line per app and database."""
    for line in (TALLY.route_lines() if terminalreporter.verbosity > 0 else []) + TALLY.lines():
        terminalreporter.write_line(line)
