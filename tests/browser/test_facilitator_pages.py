"""The facilitator's course-update page passes axe in every language, with a download under way and a refusal."""
from pathlib import Path

import pytest

from tests.browser.pages import Visitor, axe_violations, small_targets, unique_name

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def update_on_offer(kiosk, tmp_path_factory):
    """A signed v2 of the demo courses on offer to the shared kiosk, half fetched, as the updater leaves it."""
    from kiosk.db import database
    from kiosk.facilitators import create
    from kiosk.packs import build_pack, keygen, trust
    from sync.client.updates.store import Offer, Store
    from sync.packs.manifest import Manifest
    from tests.conftest import DEMO_CONTENT

    root = tmp_path_factory.mktemp("offer")
    private, public, key = keygen(root / "keys")
    import random
    import shutil
    shutil.copytree(DEMO_CONTENT, root / "v2")
    (root / "v2" / "01-first-digital-steps" / "film.mp4").write_bytes(random.Random(1).randbytes(200_000))
    build_pack(root / "v2", root / "v2.zip", private, version=2, pack_id="demo")
    import zipfile
    with zipfile.ZipFile(root / "v2.zip") as archive:
        raw, signature = archive.read("manifest.json"), archive.read("manifest.sig")
    data = Path(database.database).parent
    trust(public, data)
    store = Store(data)
    manifest = Manifest.parse(raw)
    store.save_offer(Offer(manifest, raw, signature, key, {f.sha256: 0 for f in manifest.files}))
    store.update_state(fetched=120_000, speed=7_900.0, last_check=1_780_000_000.0)
    name = unique_name("Samia")
    with database.connection_context():
        create(name, "correct horse battery")
    return {"store": store, "name": name}


def sign_in(visitor: Visitor, name: str) -> None:
    visitor.open("/facilitator/login")
    visitor.page.fill("#name", name)
    visitor.page.fill("#password", "correct horse battery")
    visitor.submit("main form button[type=submit]")


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_the_course_updates_page_passes_axe_with_large_targets(new_context, kiosk, update_on_offer, lang):
    visitor = Visitor(new_context().new_page(), kiosk)
    visitor.choose_language(lang)
    sign_in(visitor, update_on_offer["name"])
    found = {}
    for state in ("downloading", "refused"):
        if state == "refused":
            update_on_offer["store"].update_state(error={
                "code": "refused", "params": {"key": "0123456789abcdef"},
                "message": "this pack was signed with key %(key)s, which this kiosk does not trust. If you "
                           "trust its publisher, ask them for their public key and run 'python run.py pack "
                           "trust KEYFILE' on the kiosk."})
        visitor.open("/facilitator/updates/")
        assert visitor.page.locator("progress").count() == 1
        problems = axe_violations(visitor.page) + [f"small: {s}" for s in small_targets(visitor.page)]
        found.update({state: problems} if problems else {})
        visitor.screenshot(f"{lang}-facilitator-updates-{state}")
    update_on_offer["store"].update_state(error=None)
    assert not found, found
    assert visitor.problems == []


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_on_a_phone_the_menu_folds_so_the_page_comes_first(new_context, kiosk, update_on_offer, javascript):
    """At 360 px the eleven menu links filled the first screen: with JavaScript the menu now
    starts folded behind one large button; without it, it stays open and every link still works."""
    context = new_context(viewport={"width": 360, "height": 740}, java_script_enabled=javascript)
    visitor = Visitor(context.new_page(), kiosk)
    sign_in(visitor, update_on_offer["name"])
    visitor.open("/facilitator/sync/")
    menu, heading = visitor.page.locator("details.facilitator-menu"), visitor.page.locator("main h1")
    current = visitor.page.locator(".facilitator-nav a[aria-current=page]")
    assert current.count() == 1 and current.get_attribute("href").endswith("/facilitator/sync/")
    if not javascript:
        assert menu.get_attribute("open") is not None and visitor.page.locator(".facilitator-nav a").count() == 11
        return
    assert menu.get_attribute("open") is None
    assert heading.bounding_box()["y"] < 740 / 2, "the page's heading is in the top half of the first screen"
    summary = menu.locator("summary")
    assert summary.bounding_box()["height"] >= 48
    summary.click()
    assert menu.get_attribute("open") is not None and visitor.page.locator(".facilitator-nav a").first.is_visible()
    assert visitor.problems == []
