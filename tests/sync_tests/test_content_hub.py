"""The hub's side of content updates: a publisher's signed pack is checked, stored once per file and
offered to the right kiosks, which fetch it with signed requests; facilitators publish from a page."""
from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import random
import re
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests

from kiosk.packs import PackError, build_pack, keygen, trust
from sync.hub.auth import create_facilitator
from sync.hub.models import Publication
from sync.hub.publish import blob_path, publish
from sync.wire import protocol
from tests.conftest import ROOT, SMALL_COURSE, write_tree

MB = 1024 * 1024
BELLEVILLE = "Centre social Belleville"       # the centre of the sync fixtures' enrolment codes
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

# Version 1: the small course, with a photo and a video (sent as they are) and a text file of noise
# (gzip cannot shrink it). Version 2: one lesson reworded and the picture copied under a second name.
V1 = {**SMALL_COURSE,
      "01-basics/photo.jpg": bytes(4096),                       # gzip would shrink these to almost nothing…
      "01-basics/clip.mp4": b"frame " * 2000,                   # …but media travel as they are
      "01-basics/noise.txt": random.Random(7).randbytes(4000)}
V2 = {**V1,
      "01-basics/02-reading.md": SMALL_COURSE["01-basics/02-reading.md"].replace("More text.",
                                                                                  "More text, reworded."),
      "01-basics/mouse-copy.svg": SMALL_COURSE["01-basics/mouse.svg"]}


@pytest.fixture(scope="module")
def publisher(tmp_path_factory):
    """A publisher's keys, a stranger's, and the packs they built (once for the module)."""
    root = tmp_path_factory.mktemp("publisher")
    private, public, name = keygen(root / "keys")
    stranger, _, _ = keygen(root / "stranger")
    v1, v2 = write_tree(root / "v1", V1), write_tree(root / "v2", V2)
    packs = {1: root / "basics-v1.zip", 2: root / "basics-v2.zip", 3: root / "basics-v3.zip",
             "stranger": root / "stranger.zip"}
    build_pack(v1, packs[1], private, version=1, pack_id="basics")
    build_pack(v2, packs[2], private, version=2, pack_id="basics")
    build_pack(v2, packs[3], private, version=3, pack_id="basics")
    build_pack(v1, packs["stranger"], stranger, version=7, pack_id="basics")
    return {"private": private, "public": public, "fingerprint": name,
            "packs": packs, "root": root}


def hub_dir(hub) -> Path:
    return Path(hub.app.config["HUB_CONTENT_DIR"])


@pytest.fixture
def trusting_hub(hub, publisher):
    """The hub (each backend), trusting the publisher's key."""
    trust(publisher["public"], hub_dir(hub))
    return hub


def publish_on(hub, pack: Path, targets=None) -> Publication:
    return hub.query(lambda: publish(pack, hub_dir(hub), targets, by="test"))


def publications(hub) -> list[tuple[str, int]]:
    return hub.query(lambda: [(p.pack_id, p.version) for p in Publication.select().order_by(Publication.id)])


def manifest_of(pack: Path) -> dict:
    with zipfile.ZipFile(pack) as archive:
        return json.loads(archive.read("manifest.json"))


def file_of(pack: Path, path: str) -> bytes:
    with zipfile.ZipFile(pack) as archive:
        return archive.read("content/" + path)


def sha_of(pack: Path, path: str) -> str:
    return next(f["sha256"] for f in manifest_of(pack)["files"] if f["path"] == path)


def stored_blobs(hub) -> list[Path]:
    """The files the hub keeps, as they are (not their .gz forms), and no temporary file."""
    folder = hub_dir(hub) / "blobs"
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".gz")) \
        if folder.exists() else []


def rezip(source: Path, out: Path, changes: dict[str, bytes]) -> Path:
    """A copy of a pack with some members replaced (its signed manifest and signature kept unless changed)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, changes.get(info.filename, old.read(info)))
    return out


class Device:
    """An enrolled kiosk as the hub sees it: its id and secret, and signed GETs like sync/updates/fetch.py's."""

    def __init__(self, hub, centre: str = BELLEVILLE):
        answer = requests.post(hub.url + protocol.ENROLL_PATH, json={"code": hub.code(centre)}, timeout=10)
        assert answer.status_code == 200, answer.text
        self.hub, self.id, self.secret = hub, answer.json()["kiosk_id"], answer.json()["secret"]
        self.nonce = None

    def headers(self, path: str, nonce: str | None = None) -> dict:
        signed = protocol.request_headers(self.secret, self.id, path, b"", int(time.time() * 1000), nonce,
                                          method="GET")
        self.nonce = signed[protocol.H_NONCE]
        return signed

    def get(self, path: str, params=None, extra: dict | None = None, nonce: str | None = None):
        return requests.get(self.hub.url + path, params=params, headers={**self.headers(path, nonce), **(extra or {})},
                            timeout=10)

    def offer(self, have: str | None = None) -> dict | None:
        answer = self.get(protocol.CONTENT_PATH, params={"have": have} if have else None)
        assert answer.status_code == 200, answer.text
        message = protocol.response_message(self.nonce, 200, answer.content)
        assert protocol.signature_ok(self.secret, message, answer.headers.get(protocol.H_SIG, "")), \
            "the offer must be signed with the kiosk's secret over this request's nonce"
        return protocol.decode_offer(answer.content)

    def label(self) -> str | None:
        offer = self.offer()
        return offer and f"{offer['pack_id']}.v{offer['version']}"


def raw_get(hub, target: str, headers: dict) -> int:
    """A GET whose path goes on the wire exactly as written (requests would tidy '..' away)."""
    connection = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=10)
    try:
        connection.request("GET", target, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


# --- the command line -----------------------------------------------------------------------------------

def hub_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", "hub", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def published_rows(data: Path) -> list[tuple]:
    with sqlite3.connect(data / "hub.sqlite3") as db:
        return db.execute("SELECT pack_id, version, targets, published_by FROM publication ORDER BY id").fetchall()


def test_an_administrator_trusts_a_key_and_publishes_from_the_command_line(tmp_path, publisher):
    data = tmp_path / "hub"
    untrusted = hub_cli("--data", str(data), "publish", str(publisher["packs"][1]))
    assert untrusted.returncode == 1
    assert "does not trust" in untrusted.stderr and publisher["fingerprint"] in untrusted.stderr
    assert published_rows(data) == []

    trusted = hub_cli("trust", str(publisher["public"]), "--data", str(data))          # --data after the command
    assert trusted.returncode == 0, trusted.stderr
    assert trusted.stdout.strip() == f"The hub now accepts packs signed by key {publisher['fingerprint']}."
    assert (data / "trusted-keys" / f"{publisher['fingerprint']}.pub").is_file()

    done = hub_cli("--data", str(data), "publish", str(publisher["packs"][1]), "--to", "Centre")   # before it
    assert done.returncode == 0, done.stderr
    files = len(manifest_of(publisher["packs"][1])["files"])
    assert re.fullmatch(rf"Published basics version 1 \({files} files, \d+\.\d MB\) for Centre\.\n", done.stdout)
    assert published_rows(data) == [("basics", 1, '["Centre"]', "command line")]

    everyone = hub_cli("publish", str(publisher["packs"][2]), "--data", str(data))
    assert everyone.returncode == 0 and everyone.stdout.endswith("for every kiosk.\n")
    assert published_rows(data)[1] == ("basics", 2, None, "command line")


def test_the_command_line_refuses_an_old_version_a_damaged_pack_and_a_missing_file(tmp_path, publisher):
    data = tmp_path / "hub"
    assert hub_cli("--data", str(data), "trust", str(publisher["public"])).returncode == 0
    assert hub_cli("--data", str(data), "publish", str(publisher["packs"][2])).returncode == 0
    older = hub_cli("--data", str(data), "publish", str(publisher["packs"][1]))
    assert older.returncode == 1
    assert "version 1 of pack basics cannot be published: version 2 already was" in older.stderr
    (tmp_path / "notes.zip").write_text("not a zip at all")
    junk = hub_cli("--data", str(data), "publish", str(tmp_path / "notes.zip"))
    assert junk.returncode == 1 and "notes.zip is not a readable zip file" in junk.stderr
    missing = hub_cli("--data", str(data), "publish", str(tmp_path / "nowhere.zip"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert published_rows(data) == [("basics", 2, None, "command line")]
    assert not list((data / "blobs").rglob("*.tmp"))


# --- what the hub refuses --------------------------------------------------------------------------------

def _stranger(publisher, path):
    return publisher["packs"]["stranger"]


def _not_a_zip(publisher, path):
    path.write_bytes(b"PK\x03\x04 but nothing after")
    return path


def _lesson_changed_after_signing(publisher, path):
    name = "content/01-basics/01-the-mouse.md"
    data = file_of(publisher["packs"][1], "01-basics/01-the-mouse.md")
    return rezip(publisher["packs"][1], path, {name: bytes([data[0] ^ 1]) + data[1:]})     # same size


def _manifest_changed_after_signing(publisher, path):
    with zipfile.ZipFile(publisher["packs"][1]) as archive:
        raw = archive.read("manifest.json")
    changed = raw.replace(b'"version": 1\n', b'"version": 5\n')
    assert changed != raw
    return rezip(publisher["packs"][1], path, {"manifest.json": changed})


REFUSED = {
    "signed by a key the hub does not trust": (_stranger, "signed with key .* which this hub does not trust.*hub trust KEYFILE"),
    "not a zip": (_not_a_zip, "is not a readable zip file"),
    "a lesson changed after signing": (_lesson_changed_after_signing,
                                       "01-the-mouse.md is not the file the manifest describes .*SHA-256 differs"),
    "its manifest changed after signing": (_manifest_changed_after_signing, "signature does not match"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_bad_pack_is_refused_with_its_reason_and_nothing_is_published(case, trusting_hub, publisher, tmp_path):
    make, reason = REFUSED[case]
    with pytest.raises(PackError, match=reason):
        publish_on(trusting_hub, make(publisher, tmp_path / "bad.zip"))
    assert publications(trusting_hub) == []
    mouse = sha_of(publisher["packs"][1], "01-basics/01-the-mouse.md")
    assert not blob_path(hub_dir(trusting_hub), mouse).exists()
    assert [p.name for p in (hub_dir(trusting_hub) / "blobs").rglob("*.tmp")] == []
    assert Device(trusting_hub).offer() is None


@pytest.mark.parametrize("version", [2, 1], ids=["the same version", "an older version"])
def test_the_same_or_an_older_version_is_refused(version, trusting_hub, publisher):
    publish_on(trusting_hub, publisher["packs"][2])
    with pytest.raises(PackError, match=f"version {version} of pack basics cannot be published: version 2 already"):
        publish_on(trusting_hub, publisher["packs"][version])
    assert publications(trusting_hub) == [("basics", 2)]


def test_the_refusal_of_an_untrusted_key_tells_the_hub_administrator_what_to_run(tmp_path, publisher):
    refused = hub_cli("--data", str(tmp_path / "hub"), "publish", str(publisher["packs"]["stranger"]))
    assert refused.returncode == 1
    assert "hub trust" in refused.stderr and "kiosk does not trust" not in refused.stderr


def test_a_blank_target_does_not_publish_to_every_kiosk(trusting_hub, publisher):
    kiosk = Device(trusting_hub)
    try:
        publish_on(trusting_hub, publisher["packs"][1], targets=["  "])
    except (PackError, ValueError):
        pass                                     # refusing the blank target is fine too
    assert kiosk.offer() is None


# --- how files are stored ----------------------------------------------------------------------------------

def test_each_file_is_stored_once_by_its_sha256_across_versions(trusting_hub, publisher):
    v1, v2 = manifest_of(publisher["packs"][1]), manifest_of(publisher["packs"][2])
    first = publish_on(trusting_hub, publisher["packs"][1])
    assert (first.files, first.bytes) == (len(v1["files"]), sum(f["size"] for f in v1["files"]))
    assert len(stored_blobs(trusting_hub)) == len(v1["files"])
    photo = blob_path(hub_dir(trusting_hub), sha_of(publisher["packs"][1], "01-basics/photo.jpg"))
    before = photo.stat()

    publish_on(trusting_hub, publisher["packs"][2])
    shas = {f["sha256"] for f in v1["files"]} | {f["sha256"] for f in v2["files"]}
    assert len(v2["files"]) == len(v1["files"]) + 1                      # the copied picture…
    assert len(stored_blobs(trusting_hub)) == len(shas) == len(v1["files"]) + 1     # …costs nothing; the reworded
    assert {p.name for p in stored_blobs(trusting_hub)} == shas                      # lesson is the one new file
    assert (photo.stat().st_ino, photo.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)   # not rewritten
    for sha in shas:
        assert hashlib.sha256(blob_path(hub_dir(trusting_hub), sha).read_bytes()).hexdigest() == sha


def test_text_files_travel_gzipped_only_when_that_is_smaller_and_media_never(trusting_hub, publisher):
    pack = publisher["packs"][1]
    blobs = json.loads(publish_on(trusting_hub, pack).blobs)
    sizes = {f["path"]: f["size"] for f in manifest_of(pack)["files"]}
    assert set(blobs) == {sha_of(pack, path) for path in sizes}

    lesson = sha_of(pack, "01-basics/01-the-mouse.md")
    packed = blob_path(hub_dir(trusting_hub), lesson, gzipped=True)
    assert 0 < blobs[lesson] == packed.stat().st_size <= 0.9 * sizes["01-basics/01-the-mouse.md"]
    assert gzip.decompress(packed.read_bytes()) == file_of(pack, "01-basics/01-the-mouse.md")

    assert blobs[sha_of(pack, "01-basics/noise.txt")] == 0           # gzip would not make it smaller
    for media in ("01-basics/photo.jpg", "01-basics/clip.mp4"):
        assert blobs[sha_of(pack, media)] == 0
        assert not blob_path(hub_dir(trusting_hub), sha_of(pack, media), gzipped=True).exists()


# --- the blob endpoint --------------------------------------------------------------------------------------

@pytest.fixture
def published(trusting_hub, publisher):
    """Version 1 published for every kiosk, and one enrolled kiosk."""
    publish_on(trusting_hub, publisher["packs"][1])
    return Device(trusting_hub)


def test_a_kiosk_fetches_a_file_and_its_gzipped_form_with_a_signed_request(published, publisher):
    pack, path = publisher["packs"][1], "01-basics/01-the-mouse.md"
    sha = sha_of(pack, path)
    whole = published.get(protocol.BLOBS_PATH + sha)
    assert whole.status_code == 200 and whole.content == file_of(pack, path)
    assert whole.headers["Cache-Control"] == "no-store"
    packed = published.get(protocol.BLOBS_PATH + sha + ".gz")
    assert packed.status_code == 200 and gzip.decompress(packed.content) == file_of(pack, path)


def test_a_range_request_gets_exactly_those_bytes(published, publisher):
    video = file_of(publisher["packs"][1], "01-basics/clip.mp4")
    name = protocol.BLOBS_PATH + sha_of(publisher["packs"][1], "01-basics/clip.mp4")
    part = published.get(name, extra={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == video[10:20] and len(part.content) == 10
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(video)}"
    rest = published.get(name, extra={"Range": f"bytes={len(video) - 5}-"})
    assert rest.status_code == 206 and rest.content == video[-5:]


def test_an_unsigned_request_for_a_file_is_refused(published, publisher):
    name = protocol.BLOBS_PATH + sha_of(publisher["packs"][1], "01-basics/clip.mp4")
    assert requests.get(published.hub.url + name, timeout=10).status_code == 401
    forged = published.headers(name)
    forged[protocol.H_SIG] = "0" * 64
    assert requests.get(published.hub.url + name, headers=forged, timeout=10).status_code == 401
    signed_elsewhere = published.headers(protocol.BLOBS_PATH + "0" * 64)        # signed for another file
    assert requests.get(published.hub.url + name, headers=signed_elsewhere, timeout=10).status_code == 401


def test_a_replayed_request_is_refused(published, publisher):
    name = protocol.BLOBS_PATH + sha_of(publisher["packs"][1], "01-basics/clip.mp4")
    first = published.get(name)
    assert first.status_code == 200
    again = published.get(name, nonce=published.nonce)
    assert again.status_code == 401 and "replayed" in again.json()["message"]


def test_an_unknown_file_is_404(published, publisher):
    missing = hashlib.sha256(b"never published").hexdigest()
    assert published.get(protocol.BLOBS_PATH + missing).status_code == 404
    assert published.get(protocol.BLOBS_PATH + missing + ".gz").status_code == 404
    video = sha_of(publisher["packs"][1], "01-basics/clip.mp4")
    assert published.get(protocol.BLOBS_PATH + video + ".gz").status_code == 404      # media have no .gz form
    assert published.get(protocol.BLOBS_PATH + video.upper()).status_code == 404     # a real file, in capitals


@pytest.mark.parametrize("name", ["abc", "..", ".gz", "x" * 64, "0" * 64 + ".gz.gz", "../../etc/passwd",
                                  "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "%2e%2e%2fhub.sqlite3", "0" * 63 + "/"])
def test_a_name_that_is_not_a_sha256_is_404_never_a_server_error(name, published):
    target = protocol.BLOBS_PATH + name
    # Signed for the path as the hub reads it (percent-decoded), so the request reaches the blob view.
    assert raw_get(published.hub, target, published.headers(unquote(target))) == 404


# --- the offer -----------------------------------------------------------------------------------------------

def test_the_offer_is_the_signed_manifest_byte_for_byte_and_is_signed_for_the_kiosk(published, publisher):
    pack = publisher["packs"][1]
    offer = published.offer()
    with zipfile.ZipFile(pack) as archive:
        manifest, signature = archive.read("manifest.json"), archive.read("manifest.sig")
    assert (offer["pack_id"], offer["version"]) == ("basics", 1)
    assert offer["manifest"].encode("utf-8") == manifest and offer["signature"].encode("utf-8") == signature
    assert len(offer["gzip"]) == len(manifest_of(pack)["files"]) and all(isinstance(n, int) for n in offer["gzip"])
    unsigned = requests.get(published.hub.url + protocol.CONTENT_PATH, timeout=10)
    assert unsigned.status_code == 401


def test_a_kiosk_that_has_the_current_version_is_offered_nothing(published):
    assert published.offer(have="basics.v1") is None
    assert published.offer(have="basics.v0")["version"] == 1
    assert published.offer(have="other.v1")["version"] == 1


def test_nothing_is_offered_before_anything_is_published(trusting_hub):
    assert Device(trusting_hub).offer() is None


def test_a_pack_goes_to_the_centres_and_kiosks_it_was_published_for(trusting_hub, publisher):
    belleville, neighbour, elsewhere = Device(trusting_hub), Device(trusting_hub), Device(trusting_hub, "Médiathèque")
    publish_on(trusting_hub, publisher["packs"][1])                           # every kiosk
    publish_on(trusting_hub, publisher["packs"][2], targets=["Médiathèque"])  # one centre
    assert (belleville.label(), neighbour.label(), elsewhere.label()) == ("basics.v1", "basics.v1", "basics.v2")
    publish_on(trusting_hub, publisher["packs"][3], targets=[belleville.id])  # one kiosk
    assert (belleville.label(), neighbour.label(), elsewhere.label()) == ("basics.v3", "basics.v1", "basics.v2")


# --- the events acknowledgement -----------------------------------------------------------------------------

def test_the_acknowledgement_of_an_upload_names_the_version_meant_for_the_kiosk(classroom, enrolled, hub, publisher):
    _, uploader = enrolled
    trust(publisher["public"], hub_dir(hub))
    classroom.study(classroom.join("Awa"), 3)
    first = uploader.push()
    assert first.ok and first.sent > 0 and first.content is None           # nothing published yet

    publish_on(hub, publisher["packs"][1], targets=[BELLEVILLE])
    publish_on(hub, publisher["packs"][2], targets=["Médiathèque"])        # not for this kiosk
    classroom.study(classroom.join("Binta"), 3)
    outcome = uploader.push()
    assert outcome.ok and outcome.sent > 0
    assert outcome.content == {"pack_id": "basics", "version": 1}


# --- the hub's "Course content" page -------------------------------------------------------------------------

def signed_in(hub) -> requests.Session:
    hub.query(lambda: create_facilitator("Nadia", PASSWORD))
    browser = requests.Session()
    browser.headers["Accept-Language"] = "en"
    token = CSRF.search(browser.get(hub.url + "/login", timeout=10).text).group(1)
    answer = browser.post(hub.url + "/login", data={"name": "Nadia", "password": PASSWORD, "csrf_token": token},
                          timeout=10, allow_redirects=False)
    assert answer.status_code == 302
    return browser


def upload(browser, hub, pack: Path | None, audience: str = "all", targets=(), token: bool = True):
    page = browser.get(hub.url + "/content", timeout=10)
    data = {"audience": audience, "target": list(targets)}
    if token:
        data["csrf_token"] = CSRF.search(page.text).group(1)
    files = {"pack": (pack.name, pack.read_bytes(), "application/zip")} if pack else None
    return browser.post(hub.url + "/content", data=data, files=files, timeout=30)


def test_the_content_page_needs_a_signed_in_facilitator(trusting_hub, publisher):
    page = requests.get(trusting_hub.url + "/content", allow_redirects=False, timeout=10)
    assert page.status_code == 302 and page.headers["Location"].endswith("/login?next=/content")
    sent = requests.post(trusting_hub.url + "/content", allow_redirects=False, timeout=10,
                         files={"pack": ("p.zip", publisher["packs"][1].read_bytes())}, data={"audience": "all"})
    assert sent.status_code == 302
    assert publications(trusting_hub) == []


def test_a_facilitator_publishes_a_pack_to_every_kiosk_from_the_page(trusting_hub, publisher):
    browser = signed_in(trusting_hub)
    empty = browser.get(trusting_hub.url + "/content", timeout=10)
    assert empty.status_code == 200 and "Nothing published yet" in empty.text
    done = upload(browser, trusting_hub, publisher["packs"][1])
    assert done.status_code == 200
    assert "Pack basics version 1 is published; kiosks will fetch it at their next sync." in done.text
    assert "<td>Every kiosk</td>" in done.text and "Nadia" in done.text
    row = trusting_hub.query(lambda: Publication.get(Publication.version == 1))
    assert (row.targets, row.published_by) == (None, "Nadia")
    assert not list((hub_dir(trusting_hub) / "incoming").iterdir())           # the upload is not kept
    assert Device(trusting_hub).label() == "basics.v1"


def test_a_facilitator_publishes_to_chosen_centres_and_kiosks(trusting_hub, publisher):
    belleville, elsewhere = Device(trusting_hub), Device(trusting_hub, "Médiathèque")
    browser = signed_in(trusting_hub)
    page = browser.get(trusting_hub.url + "/content", timeout=10).text
    assert f'name="target" value="{BELLEVILLE}"' in page and f'name="target" value="{elsewhere.id}"' in page
    done = upload(browser, trusting_hub, publisher["packs"][1], "chosen", [BELLEVILLE])
    assert done.status_code == 200 and f"<td>{BELLEVILLE}</td>" in done.text
    assert (belleville.label(), elsewhere.label()) == ("basics.v1", None)
    upload(browser, trusting_hub, publisher["packs"][2], "chosen", [elsewhere.id, "Médiathèque"])
    assert trusting_hub.query(lambda: json.loads(Publication.get(Publication.version == 2).targets)) == \
        sorted([elsewhere.id, "Médiathèque"])
    assert (belleville.label(), elsewhere.label()) == ("basics.v1", "basics.v2")


def test_the_page_asks_for_a_file_and_for_at_least_one_target(trusting_hub, publisher):
    browser = signed_in(trusting_hub)
    no_file = upload(browser, trusting_hub, None)
    assert no_file.status_code == 400 and "Please choose a pack file (.zip)." in no_file.text
    nobody = upload(browser, trusting_hub, publisher["packs"][1], "chosen", [])
    assert nobody.status_code == 400 and "Please tick at least one centre or kiosk" in nobody.text
    assert publications(trusting_hub) == []


def test_a_refused_pack_on_the_page_says_why(trusting_hub, publisher):
    browser = signed_in(trusting_hub)
    done = upload(browser, trusting_hub, publisher["packs"]["stranger"])
    assert done.status_code == 400
    assert "The pack was not published. Reason:" in done.text and "does not trust" in done.text
    assert publications(trusting_hub) == []
    assert not list((hub_dir(trusting_hub) / "incoming").iterdir())


def test_a_post_without_its_csrf_token_is_refused(trusting_hub, publisher):
    browser = signed_in(trusting_hub)
    done = upload(browser, trusting_hub, publisher["packs"][1], token=False)
    assert done.status_code == 400
    forged = browser.post(trusting_hub.url + "/content", data={"audience": "all", "csrf_token": "forged"},
                          files={"pack": ("p.zip", publisher["packs"][1].read_bytes())}, timeout=10)
    assert forged.status_code == 400
    assert publications(trusting_hub) == []


def test_a_pack_bigger_than_an_upload_batch_is_published_from_the_page(sqlite_hub, publisher, tmp_path):
    trust(publisher["public"], hub_dir(sqlite_hub))
    folder = write_tree(tmp_path / "big", {**SMALL_COURSE,
                                           "01-basics/film.mp4": random.Random(3).randbytes(protocol.MAX_BODY + MB)})
    build_pack(folder, tmp_path / "big.zip", publisher["private"], version=4, pack_id="big")
    assert (tmp_path / "big.zip").stat().st_size > sqlite_hub.app.config["MAX_CONTENT_LENGTH"]
    done = upload(signed_in(sqlite_hub), sqlite_hub, tmp_path / "big.zip")
    assert done.status_code == 200 and "Pack big version 4 is published" in done.text

