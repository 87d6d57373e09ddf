"""Kept pages for learners: the lesson, the catalogue and home are rendered once, each learner's own parts per request."""
import gzip
import re
import zlib

from flask import g
from jinja2 import ChoiceLoader, DictLoader

from kiosk.db import database
from kiosk.indexing import index_content
from kiosk.models import Learner
from kiosk.views import page_cache
from tests.conftest import CSRF, SMALL_COURSE, Learners, write_tree

LESSON = "/courses/basics/the-mouse"
GZIP = {"Accept-Encoding": "gzip"}


def learner_on(app, name, picture="sun"):
    client = app.test_client()
    steps = Learners(client)
    steps.create(name, picture)
    return client, steps


def token_in(page: bytes) -> str:
    return CSRF.search(page).group(1).decode()


def uuid_of(name):
    with database.connection_context():
        return Learner.get(Learner.name == name).uuid


def kept(app) -> page_cache.PageCache:
    with app.app_context():
        return page_cache.cache()


def test_two_learners_on_the_same_lesson_each_get_their_own_name_token_settings_and_step(app):
    awa, awa_steps = learner_on(app, "Awa")
    bob, _ = learner_on(app, "Bob", "cat")
    awa_steps.post("/display", {"text_size": "200"}, token_from="/home")
    awa_steps.post(LESSON + "/step", {"step": 1}, token_from=LESSON)
    for _ in range(2):                     # the second time from the kept page
        mine, theirs = awa.get(LESSON).data, bob.get(LESSON).data
    assert b"Awa" in mine and b"Bob" not in mine and b"Bob" in theirs and b"Awa" not in theirs
    assert f'data-learner="{uuid_of("Awa")}"'.encode() in mine
    assert f'data-learner="{uuid_of("Bob")}"'.encode() in theirs
    assert b'class="text-200"' in mine and b'class="text-100"' in theirs
    assert b"Cliquer" in mine and b"Cliquer" not in theirs            # Awa resumes at step 2, Bob starts
    assert token_in(mine) != token_in(theirs)
    refused = bob.post(LESSON + "/step", data={"step": 1, "csrf_token": token_in(mine)})
    moved = bob.post(LESSON + "/step", data={"step": 1, "csrf_token": token_in(theirs)})
    assert refused.status_code == 400 and moved.status_code == 302
    assert len(kept(app)) >= 1


def test_a_learner_who_changes_text_size_contrast_or_language_gets_the_page_in_that_form_at_once(app):
    client, steps = learner_on(app, "Awa")
    for path in (LESSON, "/courses", "/home"):
        assert 'lang="fr"' in client.get(path).get_data(as_text=True)
        steps.post("/display", {"text_size": "150", "contrast": "1"}, token_from="/home")
        assert 'class="text-150 contrast"' in client.get(path).get_data(as_text=True)
        steps.post("/language", {"language": "en"}, token_from="/home")
        page = client.get(path).get_data(as_text=True)
        assert '<html lang="en"' in page and "Log out" in page
        steps.post("/language", {"language": "fr"}, token_from="/home")
        steps.post("/display", {"text_size": "100"}, token_from="/home")
        assert 'class="text-100"' in client.get(path).get_data(as_text=True)


def test_finishing_a_lesson_shows_on_the_kept_catalogue_and_home_at_once(app):
    client, steps = learner_on(app, "Awa")
    assert "0 sur 2" in client.get("/courses").get_data(as_text=True)
    client.get("/home")
    steps.post("/courses/basics/reading/step", {"step": 2}, token_from="/courses/basics/reading")
    assert "1 sur 2" in client.get("/courses").get_data(as_text=True)
    assert "1 sur 2" in client.get("/home").get_data(as_text=True)


def test_a_re_index_shows_the_new_lesson_text(app, content_dir, tmp_path):
    client, _ = learner_on(app, "Awa")
    assert "Sécurité d'abord" in client.get(LESSON).get_data(as_text=True)
    lesson = content_dir / "01-basics" / "01-the-mouse.fr.md"
    lesson.write_text(lesson.read_text().replace("Sécurité d'abord", "Un texte tout neuf"))
    with database.connection_context():
        index_content(content_dir, tmp_path / "data", "fr")
    page = client.get(LESSON).get_data(as_text=True)
    assert "Un texte tout neuf" in page and "Sécurité d'abord" not in page


def test_the_gzip_body_is_the_plain_page_once_unzipped(app):
    client, _ = learner_on(app, "Awa")
    for path in (LESSON, LESSON + "?step=1", "/courses", "/home", "/home?welcome=1"):
        for _ in range(2):
            zipped, plain = client.get(path, headers=GZIP), client.get(path)
        assert zipped.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
        assert int(zipped.headers["Content-Length"]) == len(zipped.data) and "ETag" not in zipped.headers
        assert {"Accept-Encoding", "Cookie"} <= {v.strip() for v in zipped.headers["Vary"].split(",")}
        assert zlib.decompressobj(16 + 15).decompress(zipped.data) == gzip.decompress(zipped.data)
        assert same_but_token_and_clock(gzip.decompress(zipped.data), plain.data)
        refused = client.get(path, headers={"Accept-Encoding": "gzip;q=0, identity"})
        assert "Content-Encoding" not in refused.headers and refused.data.startswith(b"<!doctype html>")


def test_a_page_that_is_not_kept_is_gzipd_once_by_flask_compress(app):
    """The course page and the quiz are rendered whole each time: flask-compress gzips them, and leaves
    the kept pages, gzip'd as they are filled, alone (one gzip layer, never two)."""
    client, _ = learner_on(app, "Awa")
    for path in ("/courses/basics", LESSON + "/quiz", LESSON):
        zipped, plain = client.get(path, headers=GZIP), client.get(path)
        assert zipped.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
        assert "Accept-Encoding" in {v.strip() for v in zipped.headers["Vary"].split(",")}
        assert gzip.decompress(zipped.data).startswith(b"<!doctype html>")


def test_a_page_gzip_d_whole_is_the_same_page_through_isa_l_and_through_zlib(app, monkeypatch):
    """A page whose pieces cannot hold its holes is gzip'd whole: by ISA-L where it is built (this
    machine's kind), by zlib on the others, both a single member any gzip reader takes."""
    assert page_cache.isal_zlib is not None, "ISA-L is installed on x86-64 and 64-bit Arm (setup.cfg)"
    client, _ = learner_on(app, "Awa")
    client.get(LESSON)
    plain = client.get(LESSON).data
    through_isal = client.get(LESSON, headers=GZIP).data
    monkeypatch.setattr(page_cache, "isal_zlib", None)
    through_zlib = client.get(LESSON, headers=GZIP).data
    assert through_isal != through_zlib
    for zipped in (through_isal, through_zlib):
        assert same_but_token_and_clock(gzip.decompress(zipped), plain)
        assert zlib.decompressobj(16 + 15).decompress(zipped) == gzip.decompress(zipped)
    body = plain * 4
    for level in (1, 6):
        assert gzip.decompress(page_cache.gzip_page(body, level)) == body


def same_but_token_and_clock(one: bytes, other: bytes) -> bool:
    def strip(page):
        return re.sub(rb'data-idle-left="\d+"', b"", CSRF.sub(b"", page))
    return strip(one) == strip(other)


def test_look_alike_markers_in_a_lesson_text_show_as_text(make_app, tmp_path):
    look_alikes = ["\ue0000123456789abcdefname\ue001", "\ue000" + "f" * 16 + "csrf\ue001", "\ue001path\ue000"]
    content = write_tree(tmp_path / "content", dict(SMALL_COURSE, **{"01-basics/03-marks.md": (
        "# Marques\n\n" + " et ".join(look_alikes) + "\n")}))
    app = make_app(content)
    client, _ = learner_on(app, "Zoé")
    for _ in range(2):
        page = client.get("/courses/basics/marks").get_data(as_text=True)
    step = page[page.index('id="step-text"'):]
    assert all(mark in step for mark in look_alikes) and "Zoé" not in step


def test_a_learner_whose_name_looks_like_a_marker_sees_it_as_text(app):
    name = "\ue000abcname\ue001 <b>"
    client, _ = learner_on(app, name)
    page = client.get(LESSON).get_data(as_text=True)
    assert "\ue000abcname\ue001 &lt;b&gt;" in page and "<b>" not in page


def test_a_template_asking_for_more_of_the_learner_is_rendered_the_plain_way(app, caplog):
    learner_on(app, "Awa")
    probe = "{{ learner.name }}:{{ learner.picture }}:{{ learner.last_active > 0 }}"
    app.jinja_loader = ChoiceLoader([DictLoader({"probe.html": probe}), app.jinja_loader])
    with app.test_request_context("/home"), database.connection_context():
        g.learner = Learner.get(Learner.name == "Awa")
        page = page_cache.serve("probe.html", (), {}, {})
    assert page == "Awa:sun:True"
    assert len(kept(app)) == 0 and "learner.last_active" in caplog.text


def test_the_kept_pages_stay_under_their_bound_dropping_the_least_recently_used():
    pages = page_cache.PageCache(limit=60_000)
    html = "<p>" + "Une leçon. " * 1000 + str(page_cache.hole("csrf")) + "</p>"
    with_app_catalog = [(f"lesson-{i}", page_cache.Kept(html.replace("Une", f"Leçon {i}"))) for i in range(40)]
    for i, (key, page) in enumerate(with_app_catalog):
        pages.put(key, page)
        pages.get("lesson-0")                        # read again and again: the last to go
        assert pages.size <= pages.limit
    assert pages.get("lesson-0") is not None and pages.get("lesson-39") is not None
    assert pages.get("lesson-1") is None
    assert pages.size == sum(p.size for k, p in with_app_catalog if pages.get(k) is not None)
