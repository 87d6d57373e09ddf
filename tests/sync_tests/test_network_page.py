"""The hub's networks page: an administrator groups their centres, and learners' cards then travel between them."""
from __future__ import annotations

import re

from kiosk.app import create_app
from kiosk.db import database
from sync.hub import network, scopes
from sync.hub.auth import create_facilitator
from tests.conftest import SMALL_COURSE, write_tree
from tests.sync_tests.test_hub_scopes import PASSWORD, sign_in
from tests.sync_tests.test_roaming import Kiosk, make_card

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BELLEVILLE, MENILMONTANT, PANTIN = "Belleville", "Médiathèque de Ménilmontant", "Maison de Pantin"


def post(browser, hub, **form):
    token = CSRF.search(browser.get(hub.url + "/networks", timeout=10).text).group(1)
    return browser.post(hub.url + "/networks", data=dict(form, csrf_token=token), timeout=10)


def test_an_administrator_groups_two_centres_and_a_card_of_one_reaches_a_kiosk_of_the_other(hub, tmp_path):
    content = write_tree(tmp_path / "content", SMALL_COURSE)
    a = Kiosk(create_app, tmp_path, "a", hub, BELLEVILLE, content)
    b = Kiosk(create_app, tmp_path, "b", hub, MENILMONTANT, content)
    hub.query(lambda: create_facilitator("paris", PASSWORD, scopes.Scope(centres=frozenset({BELLEVILLE,
                                                                                           MENILMONTANT}))))
    awa = make_card(a)
    assert a.sync() and b.sync()
    assert b.learner(awa) is None                                   # two centres, no network yet
    browser = sign_in(hub, "paris")
    for centre in (BELLEVILLE, MENILMONTANT):
        answer = post(browser, hub, centre=centre, network="Paris 20e", action="add")
        assert answer.status_code == 200, answer.text
    page = browser.get(hub.url + "/networks", timeout=10).text
    assert "Paris 20e" in page and f"{BELLEVILLE}, " in page
    a.sync()
    b.sync()
    assert b.learner(awa) is not None                               # Awa's card now travels to Ménilmontant
    assert post(browser, hub, centre=MENILMONTANT, action="remove").status_code == 200
    assert hub.query(network.listing) == {"Paris 20e": [BELLEVILLE]}
    database.close()


def test_a_centre_facilitator_cannot_add_another_centre_nor_see_it_in_a_network(hub):
    hub.query(lambda: (create_facilitator("pantin", PASSWORD, scopes.Scope(centres=frozenset({PANTIN}))),
                       network.add("Paris 20e", [BELLEVILLE, PANTIN])))
    browser = sign_in(hub, "pantin")
    refused = post(browser, hub, centre=MENILMONTANT, network="Paris 20e", action="add")
    assert refused.status_code == 400 and "only your own centres" in refused.text
    assert post(browser, hub, centre=BELLEVILLE, action="remove").status_code == 400
    joining = post(browser, hub, centre=PANTIN, network="Paris 20e", action="add")   # Belleville's cards: no
    assert joining.status_code == 400 and "network of your own centres" in joining.text
    page = browser.get(hub.url + "/networks", timeout=10).text
    assert "Paris 20e" in page and PANTIN in page and BELLEVILLE not in page
    assert hub.query(network.listing) == {"Paris 20e": [BELLEVILLE, PANTIN]}
