"""The kept "Who is learning?" screen: every card change shows at once, each visitor keeps their own token."""
import gzip

from kiosk import learner_admin
from kiosk.db import database
from kiosk.learners import create_learner
from kiosk.models import Learner
from kiosk.views import page_cache
from tests.conftest import CSRF, Learners

GZIP = {"Accept-Encoding": "gzip"}


def first_screen(client) -> str:
    for _ in range(2):                      # the second time from the kept page
        page = client.get("/").get_data(as_text=True)
    return page


def card(name: str, pin: str | None = None) -> Learner:
    with database.connection_context():
        return create_learner(name, "sun", pin, language=None)


def test_a_new_card_shows_on_the_first_screen_at_once(client, app):
    assert "Awa" not in first_screen(client)
    Learners(app.test_client()).create("Awa", "sun")
    assert "Awa" in first_screen(client)
    with app.app_context():
        assert len(page_cache.cache()) >= 2


def test_a_renamed_card_shows_its_new_name_at_once(client):
    awa = card("Awa")
    first_screen(client)
    with database.connection_context():
        learner_admin.rename(awa, "Awa Diallo")
    assert "Awa Diallo" in first_screen(client)


def test_a_card_given_a_pin_opens_the_pin_screen_at_once(client):
    awa = card("Awa")
    assert f'form="pick-card" formaction="/learner/{awa.uuid}"' in first_screen(client)
    with database.connection_context():
        learner_admin.reset_pin(awa, "4321")
    page = first_screen(client)
    assert f'<a class="card" dir="auto" href="/learner/{awa.uuid}">' in page
    assert f'formaction="/learner/{awa.uuid}"' not in page


def test_an_erased_card_leaves_the_first_screen_at_once(client):
    awa, bob = card("Awa"), card("Bob")
    assert "Awa" in first_screen(client) and "Bob" in first_screen(client)
    with database.connection_context():
        learner_admin.erase(awa)
    page = first_screen(client)
    assert "Awa" not in page and awa.uuid not in page and bob.uuid in page


def test_each_visitor_gets_their_own_token_on_the_kept_first_screen(app):
    card("Awa")
    one, other = app.test_client(), app.test_client()
    mine, theirs = (CSRF.search(first_screen(c).encode()).group(1).decode() for c in (one, other))
    assert mine != theirs
    assert one.post("/display", data={"csrf_token": theirs, "text_size": "150"}).status_code == 400
    assert one.post("/display", data={"csrf_token": mine, "text_size": "150"}).status_code == 302
    assert 'class="text-150"' in first_screen(one) and 'class="text-100"' in first_screen(other)


def test_a_visitor_who_picks_a_language_sees_the_first_screen_in_it_at_once(client):
    assert "Qui apprend" in first_screen(client)
    Learners(client).post("/language", {"language": "ar", "next": "/"})
    page = first_screen(client)
    assert 'lang="ar" dir="rtl"' in page and "Qui apprend" not in page


def test_with_a_screen_full_of_cards_the_first_screen_stays_as_light_as_a_whole_page_gzip(client):
    for i in range(48):
        card(f"Personne {i:02}", pin="1234" if i % 5 == 0 else None)
    for _ in range(2):
        zipped, plain = client.get("/", headers=GZIP), client.get("/")
    body = gzip.decompress(zipped.data)
    assert zipped.headers["Content-Encoding"] == "gzip" and body.count(b"Personne ") == 48
    assert len(zipped.data) <= page_cache.PIECEWISE_MAX * len(gzip.compress(body, 6))
    assert CSRF.sub(b"", body) == CSRF.sub(b"", plain.data)
