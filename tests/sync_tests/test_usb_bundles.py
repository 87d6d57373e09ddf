"""A centre with no link: progress carried to the hub on a USB stick, taken once, and the receipt carried back."""
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from kiosk.cli import cli
from kiosk.db import database
from kiosk.facilitators import create as create_facilitator
from sync.client import bundles as kiosk_bundles
from sync.client import enrollment
from sync.hub import bundles as hub_bundles
from sync.hub import scopes
from sync.hub.auth import create_facilitator as create_hub_facilitator
from sync.hub.models import Event, Kiosk
from sync.wire import bundle
from tests.conftest import ROOT, Learners
from tests.sync_tests.conftest import enroll_kiosk

NAME = "Zéphyrine"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def lose_the_link(classroom, link) -> None:
    """Zéphyrine's progress, with quiz answers, waits in the outbox of a kiosk that has no link now."""
    zephyrine = classroom.join(NAME)
    classroom.study(zephyrine, 12)
    classroom.rename(zephyrine, f"{NAME} Quatrevingt")


@pytest.fixture
def offline_centre(classroom, enrolled, hub):
    """On each hub database: an enrolled kiosk that lost its link, and its uploader for when it is back."""
    lose_the_link(classroom, enrolled[0])
    return enrolled


@pytest.fixture
def offline_sqlite(classroom, kiosk, sqlite_hub):
    """The same, on a SQLite hub only, for what happens before the hub's database is touched."""
    link = enroll_kiosk(kiosk, sqlite_hub.url, sqlite_hub.code())
    lose_the_link(classroom, link)
    return link, sqlite_hub


def export(kiosk, path: Path) -> kiosk_bundles.Exported:
    with database.connection_context():
        return kiosk_bundles.export(Path(kiosk.config["DATA_PATH"]), path)


def import_on(hub, data: bytes) -> hub_bundles.Imported:
    return hub.query(lambda: hub_bundles.import_bundle(data, Path(hub.app.config["HUB_CONTENT_DIR"])))


def refusal(hub, data: bytes) -> str:
    with pytest.raises(hub_bundles.Refused) as refused:
        import_on(hub, data)
    return str(refused.value)


def read_receipt(kiosk, data: bytes, tmp_path: Path) -> kiosk_bundles.Received:
    path = tmp_path / "stick" / "bundle.receipt"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    with database.connection_context():
        return kiosk_bundles.apply_receipt(Path(kiosk.config["DATA_PATH"]), path)


def stored_on_hub(hub) -> list[str]:
    return sorted(hub.event_ids())


def test_a_bundle_is_taken_once_however_often_imported_and_its_receipt_stops_the_resend(
        kiosk, classroom, offline_centre, hub, tmp_path):
    _, uploader = offline_centre
    stick = tmp_path / "stick"
    stick.mkdir()
    done = export(kiosk, stick / "progress.relais")
    assert done.events == classroom.waiting() == len(classroom.outbox_ids())
    data = done.path.read_bytes()

    first = import_on(hub, data)
    assert (first.stored, first.already) == (done.events, False)
    assert stored_on_hub(hub) == sorted(classroom.outbox_ids())
    again = import_on(hub, data)
    assert again.already and again.stored == 0 and again.duplicates == done.events
    assert stored_on_hub(hub) == sorted(classroom.outbox_ids())

    received = read_receipt(kiosk, again.receipt, tmp_path)      # the rewritten receipt does as well
    assert received.marked == done.events and classroom.waiting() == 0
    assert read_receipt(kiosk, first.receipt, tmp_path).marked == 0       # read twice: nothing changes

    classroom.study(classroom.join("Awa"), 4)
    waiting = classroom.waiting()
    outcome = uploader.push()
    assert outcome.ok and outcome.sent == waiting                         # only what came after the bundle
    assert stored_on_hub(hub) == sorted(classroom.outbox_ids())


def test_an_online_sync_before_the_receipt_comes_back_doubles_nothing(kiosk, classroom, offline_centre, hub,
                                                                       tmp_path):
    _, uploader = offline_centre
    done = export(kiosk, tmp_path / "progress.relais")
    imported = import_on(hub, done.path.read_bytes())
    assert uploader.push().ok                                 # the link came back first: the hub says duplicates
    assert stored_on_hub(hub) == sorted(classroom.outbox_ids())
    assert hub.query(lambda: Event.select().count()) == len(classroom.outbox_ids())
    assert read_receipt(kiosk, imported.receipt, tmp_path).marked == 0


def test_a_lost_stick_shows_no_learner_name_or_answer(kiosk, classroom, offline_sqlite, tmp_path):
    link, hub = offline_sqlite
    done = export(kiosk, tmp_path / "progress.relais")
    data = done.path.read_bytes()
    for secret in (NAME.encode(), b"Quatrevingt", b'"answers"', b"basics-mouse"):
        assert secret not in data
    header, _ = bundle.read_header(data)
    assert (header.kiosk, header.events) == (link.kiosk_id, done.events)
    # The hub, with its private key, finds them inside: the test above looks at what is really there.
    private = hub_bundles.private_key(Path(hub.app.config["HUB_CONTENT_DIR"]))
    _, batches = bundle.open_sealed(data, private, lambda h: link.secret)
    inside = b"".join(gzip.decompress(b) for b in batches)
    assert NAME.encode() in inside and b'"answers"' in inside
    key_file = Path(hub.app.config["HUB_CONTENT_DIR"]) / hub_bundles.KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_a_tampered_truncated_or_strange_bundle_is_refused_and_changes_nothing(kiosk, offline_sqlite, tmp_path):
    link, hub = offline_sqlite
    data = export(kiosk, tmp_path / "progress.relais").path.read_bytes()
    _, start = bundle.read_header(data)
    flipped = bytearray(data)
    flipped[start + 40] ^= 1
    assert "changed after it was written" in refusal(hub, bytes(flipped))
    header = data.replace(b'"events":', b'"events":1', 1)
    assert "changed after it was written" in refusal(hub, header)
    assert "cut short" in refusal(hub, data[:len(data) // 2])
    assert "cut short" in refusal(hub, data[:8])
    assert "not a Relais bundle" in refusal(hub, b"PK\x03\x04 a zip, say")
    stranger = bundle.seal([], str(uuid.uuid4()), link.secret, link.bundle_key, 0)
    assert "not enrolled with this hub" in refusal(hub, stranger)
    other_hub = bundle.public_key(bundle.new_private_key())
    assert "for another hub" in refusal(hub, bundle.seal([], link.kiosk_id, link.secret, other_hub, 0))
    forged = bundle.seal([], link.kiosk_id, "not-the-kiosk-secret", link.bundle_key, 0)
    assert "not signed by this kiosk" in refusal(hub, forged)
    assert stored_on_hub(hub) == []


def test_a_receipt_changed_on_the_way_or_for_another_kiosk_is_refused(kiosk, classroom, offline_sqlite, tmp_path):
    link, hub = offline_sqlite
    receipt = import_on(hub, export(kiosk, tmp_path / "b.relais").path.read_bytes()).receipt
    for damaged in (receipt.replace(b'"stored":', b'"stored":9', 1), receipt[:-20], b"hello"):
        with pytest.raises(bundle.BundleError):
            read_receipt(kiosk, damaged, tmp_path)
    elsewhere = bundle.make_receipt(link.secret, str(uuid.uuid4()), "0" * 64, {"acked": {"1": 99}}, [])
    with pytest.raises(bundle.BundleError, match="another kiosk"):
        read_receipt(kiosk, elsewhere, tmp_path)
    assert classroom.waiting() == len(classroom.outbox_ids())


def test_a_stick_pulled_out_mid_write_leaves_the_old_bundle_whole(kiosk, offline_sqlite, tmp_path):
    _, hub = offline_sqlite
    stick = tmp_path / "stick"
    stick.mkdir()
    old = export(kiosk, stick / "progress.relais").path.read_bytes()
    writer = ("import os, signal, sys; from sync.wire.bundle import atomic_file\n"
              "with atomic_file(sys.argv[1]) as out:\n"
              "    out.write(b'RELAIS-BUNDLE 1\\n{\"half\":'); out.flush(); os.kill(os.getpid(), signal.SIGKILL)\n")
    killed = subprocess.run([sys.executable, "-c", writer, str(stick / "progress.relais")], check=False, cwd=ROOT)
    assert killed.returncode == -signal.SIGKILL
    assert (stick / "progress.relais").read_bytes() == old
    assert kiosk_bundles.on_stick(stick, kiosk_bundles.SUFFIX) == [stick / "progress.relais"]
    leftover = next(stick.glob(".*.part"))
    assert "cut short" in refusal(hub, leftover.read_bytes())
    assert import_on(hub, old).stored > 0


def test_the_commands_carry_progress_there_and_back_with_plain_reasons(kiosk, classroom, sqlite_hub, tmp_path):
    enroll_kiosk(kiosk, sqlite_hub.url, sqlite_hub.code())
    classroom.study(classroom.join(NAME), 5)
    data, hub_data = kiosk.config["DATA_PATH"], sqlite_hub.app.config["HUB_DATA_DIR"]
    runner, path = CliRunner(), tmp_path / "progress.relais"
    written = runner.invoke(cli, ["sync", "export", str(path), "--data", data])
    assert written.exit_code == 0, written.output
    first = runner.invoke(cli, ["hub", "--data", hub_data, "import", str(path)])
    assert first.exit_code == 0 and "new records" in first.output, first.output
    second = runner.invoke(cli, ["hub", "--data", hub_data, "import", str(path)])
    assert second.exit_code == 0 and "Already imported, nothing changed" in second.output
    damaged = tmp_path / "damaged.relais"
    damaged.write_bytes(path.read_bytes()[:-3])
    refused = runner.invoke(cli, ["hub", "--data", hub_data, "import", str(damaged)])
    assert refused.exit_code != 0 and "nothing imported" in refused.output
    back = runner.invoke(cli, ["sync", "receipt", str(tmp_path / "progress.receipt"), "--data", data])
    assert back.exit_code == 0 and "acknowledged" in back.output and classroom.waiting() == 0
    empty = runner.invoke(cli, ["sync", "export", str(tmp_path / "again.relais"), "--data", data])
    assert empty.exit_code != 0 and "nothing is waiting" in empty.output
    key = runner.invoke(cli, ["hub", "--data", hub_data, "bundle-key"])
    assert key.output.strip() == enrollment.load(Path(data)).bundle_key


def test_the_hub_page_imports_a_bundle_and_gives_the_receipt(kiosk, offline_centre, hub, tmp_path):
    data = export(kiosk, tmp_path / "progress.relais").path.read_bytes()
    hub.query(lambda: create_hub_facilitator("Nadia", "correct horse battery"))
    browser = requests.Session()
    token = CSRF.search(browser.get(hub.url + "/login", timeout=10).text).group(1)
    browser.post(hub.url + "/login", data={"name": "Nadia", "password": "correct horse battery",
                                           "csrf_token": token}, timeout=10)

    def upload(content: bytes) -> requests.Response:
        token = CSRF.search(browser.get(hub.url + "/bundles", timeout=10).text).group(1)
        return browser.post(hub.url + "/bundles", data={"csrf_token": token},
                            files={"bundle": ("progress.relais", content)}, timeout=30)

    page = upload(data)
    assert page.status_code == 200 and "new records" in page.text
    link = re.search(r'href="(/bundles/receipt/[0-9a-f]+)"', page.text).group(1)
    assert browser.get(hub.url + link, timeout=10).content.startswith(bundle.RECEIPT_MAGIC)
    # A facilitator of another centre can neither import this kiosk's bundle nor read its receipt.
    centre = hub.query(lambda: Kiosk.get_by_id(offline_centre[0].kiosk_id).centre)
    other = scopes.wanted(False, [], ["Centre d'ailleurs"], False)
    hub.query(lambda: create_hub_facilitator("Ailleurs", "correct horse battery", other))
    stranger = requests.Session()
    token = CSRF.search(stranger.get(hub.url + "/login", timeout=10).text).group(1)
    stranger.post(hub.url + "/login", data={"name": "Ailleurs", "password": "correct horse battery",
                                            "csrf_token": token}, timeout=10)
    token = CSRF.search(stranger.get(hub.url + "/bundles", timeout=10).text).group(1)
    outside = stranger.post(hub.url + "/bundles", data={"csrf_token": token},
                            files={"bundle": ("progress.relais", data)}, timeout=30)
    assert outside.status_code == 400 and "outside the centres you look after" in outside.text
    assert centre not in outside.text
    assert stranger.get(hub.url + link, timeout=10).status_code == 404
    again = upload(data)
    assert again.status_code == 200 and "Already imported, nothing changed" in again.text
    refused = upload(data[:100])
    assert refused.status_code == 400 and "nothing changed" in refused.text
    assert hub.query(lambda: Kiosk.get_by_id(offline_centre[0].kiosk_id).events_received) > 0


def test_the_sync_page_writes_to_a_plugged_in_stick_and_reads_the_receipt(kiosk, classroom, offline_sqlite, tmp_path,
                                                                          monkeypatch):
    _, hub = offline_sqlite
    media = tmp_path / "media"
    stick, sd_folder = media / "pi" / "STICK", media / "usb0"
    stick.mkdir(parents=True)
    sd_folder.mkdir()                                   # an empty mount folder: the SD card, never written to
    real_ismount = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == stick or real_ismount(p))   # the stick is outside
    kiosk.config["PACK_USB_ROOTS"] = [str(media)]
    client = kiosk.test_client()
    client.set_cookie("lang", "en")
    with database.connection_context():
        create_facilitator("Samia", "correct horse battery")
    staff = Learners(client)
    staff.post("/facilitator/login", {"name": "Samia", "password": "correct horse battery"},
               token_from="/facilitator/login")
    page = client.get("/facilitator/sync/").get_data(as_text=True)
    assert "Write the waiting records to the stick STICK" in page and "usb0" not in page
    staff.post("/facilitator/sync/usb/export", {"stick": str(stick)}, token_from="/facilitator/sync/")
    written = kiosk_bundles.on_stick(stick, kiosk_bundles.SUFFIX)
    assert len(written) == 1 and not any(sd_folder.iterdir())
    imported = import_on(hub, written[0].read_bytes())
    bundle.write_atomic(hub_bundles.receipt_name(written[0]), imported.receipt)
    page = client.get("/facilitator/sync/").get_data(as_text=True)
    assert "receipt relais-" in page, page[page.find("By USB"):][:3000]
    staff.post("/facilitator/sync/usb/receipt", {"path": str(hub_bundles.receipt_name(written[0]))},
               token_from="/facilitator/sync/")
    assert classroom.waiting() == 0
    staff.post("/facilitator/sync/usb/export", {"stick": str(sd_folder)}, token_from="/facilitator/sync/")
    assert not any(sd_folder.iterdir())


def test_a_kiosk_enrolled_before_bundles_learns_the_hub_key_once(kiosk, offline_sqlite, tmp_path):
    data_dir = Path(kiosk.config["DATA_PATH"])
    link = enrollment.load(data_dir)
    enrollment.save(data_dir, enrollment.Link(**{**json.loads((data_dir / enrollment.FILE).read_text()),
                                                 "bundle_key": ""}))
    with pytest.raises(bundle.BundleError, match="hub-key"):
        export(kiosk, tmp_path / "b.relais")
    with database.connection_context():
        kiosk_bundles.export(data_dir, tmp_path / "b.relais", hub_key=link.bundle_key)
    assert enrollment.load(data_dir).bundle_key == link.bundle_key


def test_courses_for_a_kiosk_with_no_link_travel_as_the_signed_pack_and_install_like_one(
        kiosk, sqlite_hub, tmp_path):
    from kiosk.packs import build_pack, keygen, trust
    from sync.hub.publish import publish
    from tests.conftest import SMALL_COURSE, write_tree
    link = enroll_kiosk(kiosk, sqlite_hub.url, sqlite_hub.code())
    private, public, _ = keygen(tmp_path / "keys")
    hub_data = Path(sqlite_hub.app.config["HUB_CONTENT_DIR"])
    trust(public, hub_data)
    trust(public, Path(kiosk.config["DATA_PATH"]))
    build_pack(write_tree(tmp_path / "v2", SMALL_COURSE), tmp_path / "v2.zip", private, version=2, pack_id="small")
    runner = CliRunner()
    nothing = runner.invoke(cli, ["hub", "--data", str(hub_data), "export-for", link.kiosk_id, str(tmp_path / "x.zip")])
    assert nothing.exit_code != 0 and "no course pack is published" in nothing.output
    sqlite_hub.query(lambda: publish(tmp_path / "v2.zip", hub_data))
    stick = tmp_path / "stick" / "courses.zip"
    stick.parent.mkdir()
    written = runner.invoke(cli, ["hub", "--data", str(hub_data), "export-for", link.kiosk_id[:8], str(stick)])
    assert written.exit_code == 0, written.output
    installed = runner.invoke(cli, ["pack", "import", str(stick), "--data", kiosk.config["DATA_PATH"],
                                    "--content", str(tmp_path / "served")])
    assert installed.exit_code == 0, installed.output
    assert (tmp_path / "served").is_symlink() and "small.v2" in os.readlink(tmp_path / "served")
    stranger = runner.invoke(cli, ["hub", "--data", str(hub_data), "export-for", "not-a-kiosk", str(stick)])
    assert stranger.exit_code != 0 and "no kiosk" in stranger.output


def test_the_network_cards_travel_back_sealed_for_that_kiosk_alone(kiosk, classroom, offline_sqlite, tmp_path):
    link, hub = offline_sqlite
    import_on(hub, export(kiosk, tmp_path / "progress.relais").path.read_bytes())
    hub_data, runner = str(hub.app.config["HUB_CONTENT_DIR"]), CliRunner()
    written = runner.invoke(cli, ["hub", "--data", hub_data, "export-for", link.kiosk_id, str(tmp_path / "for.zip")])
    assert written.exit_code == 0 and "cards" in written.output, written.output
    sealed = tmp_path / "for.cards"
    data = sealed.read_bytes()
    assert NAME.encode() not in data and not (tmp_path / "for.zip").exists()     # no pack published: cards only
    applied = runner.invoke(cli, ["sync", "cards", str(sealed), "--data", kiosk.config["DATA_PATH"]])
    assert applied.exit_code == 0 and "1 learners' cards" in applied.output, applied.output
    sealed.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    refused = runner.invoke(cli, ["sync", "cards", str(sealed), "--data", kiosk.config["DATA_PATH"]])
    assert refused.exit_code != 0 and "damaged" in refused.output
