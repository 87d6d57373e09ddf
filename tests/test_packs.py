"""Signed content packs: a publisher builds one, a kiosk imports it, and everything wrong is refused.

Every refusal must leave the content the learners see exactly as it was.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import struct
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk import catalog, progress
from kiosk.cli import cli
from kiosk.db import database
from kiosk.facilitators import create as create_facilitator
from kiosk.learners import create_learner
from kiosk.models import Progress
from kiosk.packs import Limits, PackError, build_pack, import_pack, keygen, trust
from kiosk.views import packs as packs_view
from sync.packs.signing import load_private, sign
from tests.conftest import ROOT, SMALL_COURSE, Learners, write_tree

MB = 1024 * 1024
MEMORY_LIMIT_KB = 64 * 1024

# v2: the mouse lesson moved into a sub-folder and was renamed, keeping its id; a new lesson appears.
V2_COURSE = {k: v for k, v in SMALL_COURSE.items() if "01-the-mouse" not in k}
V2_COURSE.update({
    "01-basics/part-1/03-using-a-mouse.md": SMALL_COURSE["01-basics/01-the-mouse.md"].replace(
        "![A mouse](mouse.svg)", "![A mouse](../mouse.svg)"),
    "01-basics/part-1/03-using-a-mouse.fr.md": SMALL_COURSE["01-basics/01-the-mouse.fr.md"],
    "01-basics/04-new-lesson.md": "# Brand new\n\n## Step\n\nNew in version 2.\n",
})


@pytest.fixture(scope="module")
def publisher(tmp_path_factory):
    """A publisher's keys and two versions of a small course, built once for the whole module."""
    root = tmp_path_factory.mktemp("publisher")
    private, public, _ = keygen(root / "keys")
    packs = {}
    for version, tree in ((1, SMALL_COURSE), (2, V2_COURSE)):
        folder = write_tree(root / f"course-v{version}", tree)
        packs[version] = root / f"basics-v{version}.zip"
        build_pack(folder, packs[version], private, version=version, pack_id="basics")
    return {"private": private, "public": public, "packs": packs, "root": root}


@pytest.fixture
def kiosk(tmp_path, publisher):
    """A kiosk that trusts the publisher and serves version 1 of the pack."""
    data, content = tmp_path / "data", tmp_path / "site" / "content"
    trust(publisher["public"], data)
    import_pack(publisher["packs"][1], content, data)
    return {"data": data, "content": content}


def tree_state(content: Path) -> dict:
    """What the learners are served: where the link leads and the SHA-256 of every file there."""
    target = content.resolve()
    files = {p.relative_to(target).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(target.rglob("*")) if p.is_file()}
    return {"target": target, "files": files}


def leftovers(content: Path) -> list[str]:
    return sorted(p.name for p in content.parent.iterdir() if ".importing-" in p.name or ".link-" in p.name)


def add_kiosk_page(app):
    """The lead wires kiosk.views.packs into the app factory; until then, add it here."""
    if "packs" not in app.blueprints:
        packs_view.init_app(app)
    return app


def craft(path: Path, key_path: Path, entries: list, manifest_files=None, version: int = 9) -> Path:
    """Write a pack by hand (as an attacker with a trusted key would): entries are (ZipInfo or name, bytes)."""
    infos = [(e if isinstance(e, zipfile.ZipInfo) else zipfile.ZipInfo(e), data) for e, data in entries]
    if manifest_files is None:
        manifest_files = [{"path": info.filename.removeprefix("content/"), "size": len(data),
                           "sha256": hashlib.sha256(data).hexdigest()} for info, data in infos]
    manifest = json.dumps({"format": 1, "pack_id": "basics", "version": version, "files": manifest_files,
                           "languages": ["en"], "courses": 1, "lessons": 1, "created": ""}).encode()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # zipfile warns about the duplicate names we write on purpose
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for info, data in infos:
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
            archive.writestr("manifest.json", manifest)
            archive.writestr("manifest.sig", sign(manifest, load_private(key_path)))
    return path


def good_entries(publisher) -> list:
    """The entries of the real version 2 pack, to tamper with one at a time."""
    with zipfile.ZipFile(publisher["packs"][2]) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()
                if info.filename.startswith("content/")]


def patch_central_size(path: Path, name: str, size: int) -> None:
    """Rewrite the uncompressed size a zip's central directory declares for `name` (a lying header)."""
    raw = bytearray(path.read_bytes())
    end = raw.rindex(b"PK\x05\x06")
    at = struct.unpack_from("<I", raw, end + 16)[0]           # where the central directory starts
    while raw[at:at + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", raw, at + 28)
        if raw[at + 46:at + 46 + name_len].decode() == name:
            struct.pack_into("<I", raw, at + 24, size)
        at += 46 + name_len + extra_len + comment_len
    path.write_bytes(bytes(raw))


# --- the happy path ---------------------------------------------------------------------------------

def test_a_built_pack_is_signed_lists_every_file_and_is_served_after_import(tmp_path, publisher, make_app):
    with zipfile.ZipFile(publisher["packs"][1]) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert archive.read("content/01-basics/mouse.svg") == SMALL_COURSE["01-basics/mouse.svg"].encode()
    assert (manifest["pack_id"], manifest["version"], manifest["languages"]) == ("basics", 1, ["en", "fr"])
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(SMALL_COURSE)
    svg = SMALL_COURSE["01-basics/mouse.svg"].encode()
    assert listed["01-basics/mouse.svg"] == {"path": "01-basics/mouse.svg", "size": len(svg),
                                             "sha256": hashlib.sha256(svg).hexdigest()}

    data, content = tmp_path / "data", tmp_path / "site" / "content"
    runner = CliRunner()
    assert runner.invoke(cli, ["pack", "trust", str(publisher["public"]), "--data", str(data)]).exit_code == 0
    done = runner.invoke(cli, ["pack", "import", str(publisher["packs"][1]), "--data", str(data),
                               "--content", str(content)])
    assert done.exit_code == 0, done.output
    assert "Installed pack basics version 1" in done.output
    assert content.is_symlink() and content.resolve().name == "content.basics.v1"

    client = make_app(content).test_client()
    Learners(client).create()
    lesson = client.get("/courses/basics/the-mouse")
    assert lesson.status_code == 200 and "La souris" in lesson.get_data(as_text=True)
    assert client.get("/media/01-basics/mouse.svg").data == svg


def test_the_first_import_keeps_a_hand_made_content_folder_aside(tmp_path, publisher):
    data, content = tmp_path / "data", write_tree(tmp_path / "content", {"01-old/01-old.md": "# Old\n"})
    trust(publisher["public"], data)
    import_pack(publisher["packs"][1], content, data)
    assert content.is_symlink()
    assert (tmp_path / "content.before-packs" / "01-old" / "01-old.md").exists()


def test_keygen_writes_a_private_key_only_its_owner_can_read(tmp_path):
    done = CliRunner().invoke(cli, ["pack", "keygen", "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert stat.S_IMODE((tmp_path / "relais-pack.key").stat().st_mode) == 0o600
    assert b"PUBLIC KEY" in (tmp_path / "relais-pack.pub").read_bytes()
    again = CliRunner().invoke(cli, ["pack", "keygen", "--out", str(tmp_path)])
    assert again.exit_code != 0 and "already exists" in again.output


def test_build_from_the_command_line_dates_the_version_when_none_is_given(tmp_path, content_dir):
    CliRunner().invoke(cli, ["pack", "keygen", "--out", str(tmp_path / "keys")])
    done = CliRunner().invoke(cli, ["pack", "build", str(content_dir), "-o", str(tmp_path / "p.zip"),
                                    "--key", str(tmp_path / "keys" / "relais-pack.key")])
    assert done.exit_code == 0, done.output
    with zipfile.ZipFile(tmp_path / "p.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["pack_id"] == "content" and len(str(manifest["version"])) == 12
    assert f"version {manifest['version']}" in done.output and "Packing" in done.output


def test_build_refuses_a_folder_with_content_errors(tmp_path, publisher):
    broken = write_tree(tmp_path / "broken", {**SMALL_COURSE, "01-basics/09-copy.md": "---\nid: basics-mouse\n---\n# Copy\n"})
    with pytest.raises(PackError, match="errors"):
        build_pack(broken, tmp_path / "x.zip", publisher["private"], version=1)
    assert not (tmp_path / "x.zip").exists()


# --- moved and renamed lessons keep their progress ----------------------------------------------------

def test_a_lesson_moved_and_renamed_in_v2_keeps_the_learners_progress(kiosk, publisher, make_app):
    app = add_kiosk_page(make_app(kiosk["content"], DEFAULT_LANGUAGE="en"))
    with database.connection_context():
        awa = create_learner("Awa", "sun", None, "fr")
        progress.record_step(awa, "basics-mouse", "basics", 1, 2)
        create_facilitator("Samia", "correct horse battery")
        assert catalog.lesson_by_key("basics-mouse", "fr").slug == "the-mouse"
    staff = Learners(app.test_client())
    staff.post("/facilitator/login", {"name": "Samia", "password": "correct horse battery"},
               token_from="/facilitator/login")
    token = staff.token("/facilitator/packs/")
    with open(publisher["packs"][2], "rb") as sent:
        done = staff.client.post("/facilitator/packs/upload", data={"csrf_token": token, "pack": (sent, "v2.zip")},
                                 content_type="multipart/form-data", follow_redirects=True)
    assert "version 2 is installed" in done.get_data(as_text=True)
    with database.connection_context():
        row = Progress.get(Progress.lesson_key == "basics-mouse")
        moved = catalog.lesson_by_key(row.lesson_key, "fr")
    assert moved is not None and moved.slug == "using-a-mouse" and row.step == 1
    staff.post("/facilitator/logout", token_from="/facilitator/")
    staff.pick(awa.uuid)
    assert staff.client.get("/courses/basics/using-a-mouse").status_code == 200
    assert staff.client.get("/media/01-basics/mouse.svg").status_code == 200


def test_a_running_kiosk_follows_an_import_made_from_the_command_line(kiosk, publisher, make_app, monkeypatch):
    app = add_kiosk_page(make_app(kiosk["content"]))
    client = app.test_client()
    Learners(client).create()
    assert client.get("/courses/basics/new-lesson").status_code == 404
    import_pack(publisher["packs"][2], kiosk["content"], kiosk["data"])
    monkeypatch.setattr(packs_view, "CHECK_EVERY", 0)
    assert client.get("/courses/basics/new-lesson").status_code == 200
    assert app.config["CONTENT_PATH"].name == "content.basics.v2"


# --- refusals: the old content stays as it was ------------------------------------------------------

def _flip_lesson_byte(publisher, path):
    entries = good_entries(publisher)
    manifest_files = [{"path": n.removeprefix("content/"), "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
                      for n, d in entries]
    name, data = entries[0]
    entries[0] = (name, bytes([data[0] ^ 1]) + data[1:])       # same size, rezipped with a right CRC
    return craft(path, publisher["private"], entries, manifest_files)


def _flip_manifest_byte(publisher, path):
    raw = publisher["packs"][2].read_bytes()
    with zipfile.ZipFile(publisher["packs"][2]) as archive:
        files = {i.filename: archive.read(i) for i in archive.infolist()}
    files["manifest.json"] = files["manifest.json"].replace(b'"version": 2', b'"version": 3')
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    assert raw != path.read_bytes()
    return path


def _flip_stored_byte(publisher, path):
    raw = bytearray(publisher["packs"][2].read_bytes())
    with zipfile.ZipFile(publisher["packs"][2]) as archive:
        info = archive.getinfo("content/01-basics/course.yml")
    name_len, extra_len = struct.unpack_from("<HH", raw, info.header_offset + 26)
    raw[info.header_offset + 30 + name_len + extra_len + info.compress_size // 2] ^= 0x20
    path.write_bytes(bytes(raw))            # damaged on the USB stick: the zip's own checks fail
    return path


def _wrong_key(publisher, path):
    stranger, _, _ = keygen(path.parent / "stranger")
    return craft(path, stranger, good_entries(publisher))


def _entry(name, data=b"# Evil\n", mode=0o100644):
    info = zipfile.ZipInfo(name)
    info.external_attr, info.create_system = mode << 16, 3
    return (info, data)


REFUSALS = {
    "a flipped byte in a lesson": (_flip_lesson_byte, "SHA-256 differs"),
    "a flipped byte in the manifest": (_flip_manifest_byte, "signature does not match"),
    "a flipped byte in the zip": (_flip_stored_byte, "damaged"),
    "a wrong key": (_wrong_key, "does not trust"),
    "a traversal entry": (lambda p, path: craft(path, p["private"], [_entry("content/../../evil.md")]),
                          "leaves its folder"),
    "an absolute path": (lambda p, path: craft(path, p["private"], [_entry("/tmp/evil.md")]), "absolute path"),
    "a backslash": (lambda p, path: craft(path, p["private"], [_entry("content/..\\evil.md")]), "backslash"),
    "a symlink entry": (lambda p, path: craft(path, p["private"], [_entry("content/link.md", b"/etc/passwd",
                                                                           stat.S_IFLNK | 0o777)]), "symbolic link"),
    "a duplicate name": (lambda p, path: craft(path, p["private"], [_entry("content/a.md"), _entry("content/a.md")]),
                         "same file twice"),
    "names that differ only by case": (lambda p, path: craft(path, p["private"], [
        _entry("content/A.md"), _entry("content/a.md")]), "same file twice"),
    "a file the manifest does not list": (lambda p, path: craft(path, p["private"], good_entries(p) + [
        _entry("content/extra.md")], manifest_files=json.loads(_manifest_of(p))["files"]), "does not list"),
    "content errors": (lambda p, path: craft(path, p["private"], good_entries(p) + [
        _entry("content/01-basics/09-copy.md", b"---\nid: basics-mouse\n---\n# Copy\n")]), "content has"),
    "not a zip": (lambda p, path: (path.write_bytes(b"hello"), path)[1], "not a readable zip"),
}


def _manifest_of(publisher) -> bytes:
    with zipfile.ZipFile(publisher["packs"][2]) as archive:
        return archive.read("manifest.json")


@pytest.mark.parametrize("case", REFUSALS)
def test_a_bad_pack_is_refused_and_the_old_content_stays(case, kiosk, publisher, tmp_path):
    before = tree_state(kiosk["content"])
    make, reason = REFUSALS[case]
    bad = make(publisher, tmp_path / "bad.zip")
    with pytest.raises(PackError, match=reason):
        import_pack(bad, kiosk["content"], kiosk["data"])
    assert tree_state(kiosk["content"]) == before
    assert leftovers(kiosk["content"]) == []
    import_pack(publisher["packs"][2], kiosk["content"], kiosk["data"])     # and the good one still goes in


def test_an_older_or_the_same_version_is_refused(kiosk, publisher):
    import_pack(publisher["packs"][2], kiosk["content"], kiosk["data"])
    before = tree_state(kiosk["content"])
    for version in (1, 2):
        with pytest.raises(PackError, match="only a newer version"):
            import_pack(publisher["packs"][version], kiosk["content"], kiosk["data"])
    assert tree_state(kiosk["content"]) == before


def test_counts_are_checked_before_extracting(kiosk, publisher, tmp_path):
    with pytest.raises(PackError, match="at most 3"):
        import_pack(publisher["packs"][2], kiosk["content"], kiosk["data"], limits=Limits(max_files=3))


# --- zip bombs, in a child process whose memory is measured --------------------------------------------

# Peak memory is VmHWM (the peak resident set of this process's own memory since exec): ru_maxrss
# would also count the pytest process it was forked from, since Linux keeps that figure across exec.
CHILD = """
import json, re, sys, tracemalloc
from pathlib import Path
tracemalloc.start()
from kiosk.packs import PackError, import_pack
try:
    import_pack(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
    refused = None
except PackError as error:
    refused = str(error)
print(json.dumps({"refused": refused, "peak": tracemalloc.get_traced_memory()[1],
                  "maxrss_kb": int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read())[1])}))
"""


def _import_in_child(pack: Path, kiosk) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CHILD, str(pack), str(kiosk["content"]), str(kiosk["data"])],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"\n  bomb import: peak Python heap {result['peak'] / MB:.1f} MB, "
          f"peak RSS {result['maxrss_kb'] / 1024:.1f} MB — {result['refused']}")
    return result


def _zeros_entry(archive: zipfile.ZipFile, name: str, megabytes: int) -> str:
    """A real entry of `megabytes` MB of zeros (it compresses about 1000 times), streamed, never in memory."""
    digest, block = hashlib.sha256(), bytes(MB)
    info = zipfile.ZipInfo(name)
    info.compress_type, info.file_size = zipfile.ZIP_DEFLATED, megabytes * MB
    with archive.open(info, "w") as out:
        for _ in range(megabytes):
            out.write(block)
            digest.update(block)
    return digest.hexdigest()


def _bomb(path: Path, key: Path, megabytes: int, declared: int | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        sha = _zeros_entry(archive, "content/bomb.md", megabytes)
        files = [{"path": "bomb.md", "size": declared or megabytes * MB, "sha256": sha}]
        manifest = json.dumps({"format": 1, "pack_id": "basics", "version": 9, "files": files}).encode()
        archive.writestr("manifest.json", manifest)
        archive.writestr("manifest.sig", sign(manifest, load_private(key)))
    if declared:
        patch_central_size(path, "content/bomb.md", declared)
    return path


def test_a_declared_huge_bomb_is_refused_before_extracting(kiosk, publisher, tmp_path):
    bomb = _bomb(tmp_path / "huge.zip", publisher["private"], 1, declared=3 * 1024 * MB)
    before = tree_state(kiosk["content"])
    result = _import_in_child(bomb, kiosk)
    assert "3072 MB" in result["refused"] and result["maxrss_kb"] < MEMORY_LIMIT_KB
    assert tree_state(kiosk["content"]) == before and leftovers(kiosk["content"]) == []


def test_a_real_high_ratio_bomb_is_refused_before_extracting(kiosk, publisher, tmp_path):
    bomb = _bomb(tmp_path / "ratio.zip", publisher["private"], 200)
    assert bomb.stat().st_size < 1 * MB
    before = tree_state(kiosk["content"])
    result = _import_in_child(bomb, kiosk)
    assert "zip bomb" in result["refused"] and result["maxrss_kb"] < MEMORY_LIMIT_KB
    assert tree_state(kiosk["content"]) == before and leftovers(kiosk["content"]) == []


def test_a_bomb_that_lies_about_its_size_is_stopped_while_extracting(kiosk, publisher, tmp_path):
    bomb = _bomb(tmp_path / "liar.zip", publisher["private"], 200, declared=MB)    # headers say 1 MB
    before = tree_state(kiosk["content"])
    result = _import_in_child(bomb, kiosk)
    assert result["refused"] and "bomb.md" in result["refused"] and result["maxrss_kb"] < MEMORY_LIMIT_KB
    assert tree_state(kiosk["content"]) == before and leftovers(kiosk["content"]) == []


# --- the facilitator page --------------------------------------------------------------------------

@pytest.fixture
def staff(kiosk, make_app, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    app = add_kiosk_page(make_app(kiosk["content"], DEFAULT_LANGUAGE="en"))
    app.config["PACK_USB_ROOTS"] = [str(usb)]
    with database.connection_context():
        create_facilitator("Samia", "correct horse battery")
    helper = Learners(app.test_client())
    helper.post("/facilitator/login", {"name": "Samia", "password": "correct horse battery"},
                token_from="/facilitator/login")
    helper.usb, helper.app = usb, app
    return helper


def test_the_pack_page_is_for_facilitators_only_and_linked_from_their_menu(kiosk, make_app, staff):
    other = staff.app.test_client()
    assert other.get("/facilitator/packs/").status_code == 302
    assert other.post("/facilitator/packs/upload", data={}).status_code == 302
    page = staff.client.get("/facilitator/packs/").get_data(as_text=True)
    assert 'href="/facilitator/packs/"' in page and "basics" in page and 'enctype="multipart/form-data"' in page


def test_an_upload_without_its_csrf_token_is_refused(staff, publisher):
    with open(publisher["packs"][2], "rb") as sent:
        done = staff.client.post("/facilitator/packs/upload", data={"pack": (sent, "v2.zip")},
                                 content_type="multipart/form-data")
    assert done.status_code == 400


def test_an_upload_over_the_limit_says_to_use_a_usb_stick(staff, publisher, kiosk):
    staff.app.config["PACK_UPLOAD_LIMIT"] = 1024
    token = staff.token("/facilitator/packs/")
    with open(publisher["packs"][2], "rb") as sent:
        done = staff.client.post("/facilitator/packs/upload", data={"csrf_token": token, "pack": (sent, "v2.zip")},
                                 content_type="multipart/form-data", follow_redirects=True)
    assert "This file is larger than 0 MB. Copy it to a USB stick" in done.get_data(as_text=True)
    assert kiosk["content"].resolve().name == "content.basics.v1"


def test_a_pack_on_a_usb_stick_is_found_and_imported(staff, publisher, kiosk):
    stick = staff.usb / "KINGSTON"
    stick.mkdir()
    (stick / "basics-v2.zip").write_bytes(publisher["packs"][2].read_bytes())
    page = staff.client.get("/facilitator/packs/").get_data(as_text=True)
    assert str(stick / "basics-v2.zip") in page
    done = staff.post("/facilitator/packs/usb", {"path": str(stick / "basics-v2.zip")},
                      token_from="/facilitator/packs/", follow_redirects=True)
    assert "version 2 is installed" in done.get_data(as_text=True)
    assert kiosk["content"].resolve().name == "content.basics.v2"


def test_a_refused_usb_pack_explains_why_and_paths_off_the_stick_are_not_read(staff, publisher, kiosk, tmp_path):
    (staff.usb / "old.zip").write_bytes(publisher["packs"][1].read_bytes())
    done = staff.post("/facilitator/packs/usb", {"path": str(staff.usb / "old.zip")},
                      token_from="/facilitator/packs/", follow_redirects=True)
    assert "only a newer version" in done.get_data(as_text=True)
    outside = tmp_path / "elsewhere.zip"
    outside.write_bytes(publisher["packs"][2].read_bytes())
    for path in (str(outside), str(staff.usb / ".." / "elsewhere.zip"), "/etc/passwd"):
        done = staff.post("/facilitator/packs/usb", {"path": path}, token_from="/facilitator/packs/",
                          follow_redirects=True)
        assert "full path of a .zip file" in done.get_data(as_text=True)
    assert kiosk["content"].resolve().name == "content.basics.v1"


def test_status_lists_the_installed_pack_and_trusted_keys(kiosk):
    done = CliRunner().invoke(cli, ["pack", "status", "--data", str(kiosk["data"]), "--content", str(kiosk["content"])])
    assert "basics version 1" in done.output and "Trusted keys: " in done.output
    refused = CliRunner().invoke(cli, ["pack", "import", str(kiosk["data"] / "none.zip"), "--data",
                                       str(kiosk["data"]), "--content", str(kiosk["content"])])
    assert refused.exit_code == 1 and "Nothing was changed" in refused.output
