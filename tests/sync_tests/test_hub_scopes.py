"""Each hub facilitator sees only their own scope: every route of the hub, read from its url_map, walked as a
facilitator of another centre, of another region, as a funder (read-only) and as a national administrator."""
from __future__ import annotations

import json
import re
import uuid

import pytest
import requests

from kiosk.packs import build_pack, keygen, trust
from sync.hub import scopes
from sync.hub.auth import create_facilitator
from sync.hub.models import CentreRegion, EnrollCode, Facilitator, FacilitatorGrant, NetworkCentre
from sync.hub.publish import publish
from tests.conftest import SMALL_COURSE, write_tree
from tests.sync_tests.test_content_hub import hub_dir
from tests.sync_tests.test_hub_pages import hub_cli
from tests.sync_tests.test_merge import lesson, make
from tests.sync_tests.test_set_aside import hub_kiosk

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery"
CENTRE_A, REGION_A, NAME_A = "Maison Zéphyrine de Quimperlé", "Armorique-Quetzal", "Wilhelmina Quarrington"
CENTRE_B, REGION_B, NAME_B = "Centre social Belleville", "Île-de-France", "Bartholomew Ostrowski"
FACILITATORS = {      # name: scope
    "centre-b": scopes.Scope(centres=frozenset({CENTRE_B})),
    "region-b": scopes.Scope(regions=frozenset({REGION_B})),
    "funder-b": scopes.Scope(regions=frozenset({REGION_B}), read_only=True),
    "national": scopes.NATIONAL,
}
NOT_ONE_OF_THEIRS = ("centre-b", "region-b", "funder-b")
SIGN_IN_AND_OUT = {"hub.login", "hub.logout"}
ACTIVITY_CSV = "/activity?file=csv&from=1969-12-31&to=1970-12-31"      # the events below are of 1970


def learner_of(raw, name: str, certificate: str) -> str:
    """A learner with a name, progress, a quiz attempt, a certificate and one record set aside, on `raw`'s kiosk."""
    learner = str(uuid.uuid4())
    quiz = {"attempt": str(uuid.uuid4()), "lesson": "basics-mouse", "course": "basics", "score": 2, "total": 3,
            "passed": True, "correct": [True, True, False]}
    batch = [make(1, "learner.created", {"name": name, "picture": "sun", "prefs": {}}, 1000, learner),
             make(2, "lesson.progressed", lesson(2, time_spent=40), 2000, learner),
             make(3, "quiz.attempted", quiz, 3000, learner),
             make(4, "certificate.issued", {"code": certificate, "course": "basics", "name": name}, 4000, learner),
             make(5, "lesson.deleted", {"lesson": "basics-mouse", "name": name}, 5000, learner)]   # set aside
    answer = raw.batch(batch)
    assert answer.status_code == 200 and answer.json()["set_aside"], answer.text
    return learner


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    """A publisher's public key and two versions of a pack (built once for the module)."""
    root = tmp_path_factory.mktemp("packs")
    private, public, _ = keygen(root / "keys")
    built = [root / "pack-1.zip", root / "pack-2.zip"]
    for version, pack in enumerate(built, 1):
        build_pack(write_tree(root / f"v{version}", SMALL_COURSE), pack, private, version=version, pack_id="basics")
    return public, built


def placed(hub) -> None:
    """Centre A in region A, centre B in region B."""
    def place():
        scopes.set_region(scopes.NATIONAL, CENTRE_A, REGION_A)
        scopes.set_region(scopes.NATIONAL, CENTRE_B, REGION_B)
    hub.query(place)


@pytest.fixture
def two_centres(hub, packs):
    """Centres A and B in two regions, a learner each, a pack published to each; the four facilitators."""
    a, b = hub_kiosk(hub, CENTRE_A), hub_kiosk(hub, CENTRE_B)
    learners = {"a": learner_of(a, NAME_A, "AAAA-1111"), "b": learner_of(b, NAME_B, "BBBB-2222")}
    public, built = packs
    trust(public, hub_dir(hub))
    published = [hub.query(lambda pack=pack, targets=targets: publish(pack, hub_dir(hub), targets, by="test"))
                 for pack, targets in zip(built, ([CENTRE_A, a.link.kiosk_id], [CENTRE_B]))]
    placed(hub)
    hub.query(lambda: [create_facilitator(name, PASSWORD, scope) for name, scope in FACILITATORS.items()])
    blobs = sorted(json.loads(published[0].blobs))
    return {"a": {"kiosk": a.link.kiosk_id, "learner": learners["a"]}, "b": {"kiosk": b.link.kiosk_id},
            "learners": learners, "blob": blobs[0]}


def sign_in(hub, name: str) -> requests.Session:
    browser = requests.Session()
    browser.headers["X-Experience-API-Version"] = "1.0.3"         # the xAPI routes refuse a request without it
    token = CSRF.search(browser.get(hub.url + "/login", timeout=10).text).group(1)
    answer = browser.post(hub.url + "/login", data={"name": name, "password": PASSWORD, "csrf_token": token},
                          timeout=10, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    return browser


def urls(hub, values: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule and method of the hub, each path variable filled with real values."""
    walked = []
    for rule in hub.app.url_map.iter_rules():
        missing = [name for name in rule.arguments if name not in values]
        assert not missing, f"{rule.rule}: give tests/sync_tests/test_hub_scopes.py real values for {missing}"
        fillings = [{}]
        for name in sorted(rule.arguments):
            fillings = [dict(f, **{name: v}) for f in fillings for v in values[name]]
        with hub.app.test_request_context():
            paths = [hub.app.url_for(rule.endpoint, **f) for f in fillings]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            walked += [(rule.endpoint, method, hub.url + path) for path in paths]
    return walked


def extras(data: dict) -> list[str]:
    """Query strings a facilitator could type, naming centre A's things (/verify with a code shows the certificate
    to anyone holding it, as printed: not a facilitator's view)."""
    return [f"/set-aside?kiosk={data['a']['kiosk']}", "/xapi/statements?limit=1000", ACTIVITY_CSV,
            ACTIVITY_CSV + "&centre=" + CENTRE_A]


def form_aiming_at_centre_a(data: dict, token: str) -> dict:
    """A form a facilitator of B might send to reach A: every field the hub's forms read, set to A's names."""
    return {"csrf_token": token, "centre": CENTRE_A, "region": REGION_B, "name": "intruder", "password": PASSWORD,
            "audience": "chosen", "target": [CENTRE_A, data["a"]["kiosk"]], "kiosk": data["a"]["kiosk"]}


def forbidden(data: dict) -> list[str]:
    return [NAME_A, CENTRE_A, REGION_A, data["a"]["kiosk"], data["a"]["learner"]]


def test_a_facilitator_never_sees_another_centres_learners_on_any_route(two_centres, hub):
    data = two_centres
    walk = urls(hub, {"name": [data["blob"], data["blob"] + ".gz"], "filename": ["style.css"]})
    assert {(e, m) for e, m, _ in walk} == {(r.endpoint, m) for r in hub.app.url_map.iter_rules()
                                             for m in r.methods - {"HEAD", "OPTIONS"}}
    for who in FACILITATORS:
        browser = sign_in(hub, who)
        token = CSRF.search(browser.get(hub.url + "/", timeout=10).text).group(1)
        for endpoint, method, url in walk:
            if method == "POST" and endpoint not in SIGN_IN_AND_OUT and who in NOT_ONE_OF_THEIRS:
                answer = browser.post(url, data=form_aiming_at_centre_a(data, token), timeout=10)
                if who == "funder-b" and not url.startswith(hub.url + "/sync/"):
                    assert answer.status_code == 403, (endpoint, answer.status_code)
                    assert answer.text == "This account can read the hub's pages but not change anything."
        pages = {url: browser.get(url, timeout=10) for endpoint, method, url in walk if method == "GET"}
        pages.update({hub.url + path: browser.get(hub.url + path, timeout=10) for path in extras(data)})
        assert all(page.status_code < 500 for page in pages.values())
        everything = "\n".join(page.text for page in pages.values())
        if who in NOT_ONE_OF_THEIRS:
            leaks = {word for word in forbidden(data) if word in everything}
            assert not leaks, f"{who} sees centre A's {leaks}"
            assert NAME_B in pages[hub.url + "/learners.csv"].text                # their own learners, yes
            assert NAME_B in pages[hub.url + ACTIVITY_CSV].text
            assert data["b"]["kiosk"] in pages[hub.url + "/xapi/statements?limit=1000"].text
        else:
            assert NAME_A in pages[hub.url + "/learners.csv"].text and NAME_B in everything
            assert data["a"]["kiosk"] in pages[hub.url + "/xapi/statements?limit=1000"].text
    still = hub.query(lambda: (CentreRegion.get_by_id(CENTRE_A).region,
                               EnrollCode.select().where(EnrollCode.centre == CENTRE_A).count(),
                               FacilitatorGrant.select().where(FacilitatorGrant.name == CENTRE_A).count(),
                               Facilitator.select().where(Facilitator.name == "intruder").count(),
                               NetworkCentre.select().where(NetworkCentre.centre == CENTRE_A).count()))
    assert still == (REGION_A, 1, 0, 0, 0)        # A's one code is its kiosk's; nobody was given A nor grouped it


def test_an_administrator_gives_access_only_within_their_own_scope(hub):
    placed(hub)

    def rules():
        region_b = FACILITATORS["region-b"]
        scopes.check_grant(region_b, scopes.Scope(centres=frozenset({CENTRE_B}), read_only=True))
        refusals = []
        for asked in (scopes.NATIONAL, scopes.Scope(regions=frozenset({REGION_A})),
                      scopes.Scope(centres=frozenset({CENTRE_A}))):
            with pytest.raises(scopes.ScopeRefused) as refused:
                scopes.check_grant(region_b, asked)
            refusals.append(str(refused.value))
        with pytest.raises(scopes.ScopeRefused):
            scopes.set_region(region_b, CENTRE_A, REGION_B)       # someone else's centre stays theirs
        scopes.set_region(region_b, "Médiathèque de Pantin", REGION_B)   # a new centre, in their region
        return refusals, scopes.known_centres(region_b)
    refusals, centres = hub.query(rules)
    assert "whole country" in refusals[0] and REGION_A in refusals[1] and CENTRE_A in refusals[2]
    assert centres == [CENTRE_B, "Médiathèque de Pantin"]


def test_the_command_line_makes_scoped_and_read_only_facilitators_and_places_centres(tmp_path):
    data = str(tmp_path / "hub")
    placed = hub_cli("set-region", CENTRE_B, REGION_B, "--data", data)
    assert placed.returncode == 0 and REGION_B in placed.stdout, placed.stderr
    made = hub_cli("create-facilitator", "Funder", "--region", REGION_B, "--centre", CENTRE_A, "--read-only",
                   "--data", data, stdin=PASSWORD + "\n")
    assert made.returncode == 0 and "Read-only; sees" in made.stdout, made.stderr
    exported = hub_cli("export-xapi", str(tmp_path / "x.json"), "--facilitator", "Funder", "--data", data)
    assert exported.returncode == 0 and json.loads((tmp_path / "x.json").read_text()) == []
