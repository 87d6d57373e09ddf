"""What each page visit relies on stays exact when the kiosk remembers work between visits: the
session cookie, the form token, the page headers and the lesson found by its address."""
from kiosk.page_headers import SECURITY
from tests.conftest import CSRF, Learners, write_tree

LESSON = "/courses/basics/the-mouse"


def cookie_text(client) -> str:
    return client.get_cookie("relais").value


def with_cookie(app, text: str):
    other = app.test_client()
    other.set_cookie("relais", text)
    return other


def test_a_tampered_cookie_is_refused_even_after_the_real_one_was_seen(app):
    tablet = app.test_client()
    Learners(tablet).create("Awa", "sun")
    real = cookie_text(tablet)
    assert with_cookie(app, real).get("/home").status_code == 200
    payload, rest = real.split(".", 1)
    signed, signature = real.rsplit(".", 1)
    # Not the signature's last character: its low bits fall outside the 20 bytes, and a change there can
    # decode to the very same signature (one run in sixteen or so).
    for forged in (payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + rest,
                   f"{signed}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}", real + "x"):
        assert with_cookie(app, forged).get("/home").status_code == 302
    assert with_cookie(app, real).get("/home").status_code == 200


def test_two_learners_cookies_never_mix(app):
    tablet, desk = app.test_client(), app.test_client()
    Learners(tablet).create("Awa", "sun")
    Learners(desk).create("Binta", "cat")
    for _ in range(3):
        awa, binta = tablet.get("/home").get_data(as_text=True), desk.get("/home").get_data(as_text=True)
        assert "Awa" in awa and "Binta" not in awa
        assert "Binta" in binta and "Awa" not in binta


def test_after_logout_the_old_cookie_text_opens_no_session(app):
    tablet = app.test_client()
    learner = Learners(tablet)
    learner.create("Awa", "sun")
    old = cookie_text(tablet)
    assert with_cookie(app, old).get("/home").status_code == 200
    learner.logout()
    replayed = with_cookie(app, old).get("/home")
    assert replayed.status_code == 302 and "/home" not in replayed.headers["Location"]


def test_a_view_changing_its_session_never_changes_what_the_next_visit_reads(app):
    text = app.session_interface.get_signing_serializer(app).dumps({"visitor_prefs": {"contrast": True}})
    with app.test_request_context(headers={"Cookie": f"relais={text}"}) as ctx:
        first = app.session_interface.open_session(app, ctx.request)
        first["visitor_prefs"]["contrast"] = False          # as a view changes a setting in place
        first.clear()
        again = app.session_interface.open_session(app, ctx.request)
        assert again == {"visitor_prefs": {"contrast": True}}
    assert 'class="text-100 contrast' in with_cookie(app, text).get("/").get_data(as_text=True)


def test_a_form_token_from_another_session_is_refused(app):
    tablet, desk = app.test_client(), app.test_client()
    Learners(tablet).create("Awa", "sun")
    Learners(desk).create("Binta", "cat")
    awa_token = CSRF.search(tablet.get("/home").data).group(1).decode()
    binta_token = CSRF.search(desk.get("/home").data).group(1).decode()
    assert awa_token != binta_token
    assert desk.post("/still-here", data={"csrf_token": awa_token, "next": "/home"}).status_code == 400
    assert desk.post("/still-here", data={"csrf_token": binta_token, "next": "/home"}).status_code == 302
    assert CSRF.search(desk.get("/home").data).group(1).decode() == binta_token


def test_every_page_carries_the_security_headers_once_and_is_never_kept(app):
    tablet = app.test_client()
    Learners(tablet).create("Awa", "sun")
    anonymous = app.test_client()
    for client, path in ((anonymous, "/"), (anonymous, "/new"), (tablet, "/home"), (tablet, LESSON),
                         (tablet, "/no-such-page"), (anonymous, "/healthz")):
        response = client.get(path)
        for name, value in SECURITY:
            assert response.headers.getlist(name) == [value], (path, name)
        assert response.headers["Cache-Control"] == "no-store", path
        assert "Cookie" in response.vary, path


def test_a_lesson_renamed_by_a_reindex_is_found_under_its_new_slug_only(make_app, content_dir):
    first = make_app(content_dir)
    tablet = first.test_client()
    Learners(tablet).create("Awa", "sun")
    assert tablet.get(LESSON).status_code == 200
    (content_dir / "01-basics" / "01-the-mouse.md").rename(content_dir / "01-basics" / "01-the-pointer.md")
    (content_dir / "01-basics" / "01-the-mouse.fr.md").rename(content_dir / "01-basics" / "01-the-pointer.fr.md")
    restarted = make_app(content_dir)
    visitor = restarted.test_client()
    Learners(visitor).create("Binta", "cat")
    assert visitor.get("/courses/basics/the-pointer").status_code == 200
    assert visitor.get(LESSON).status_code == 404


def test_a_lesson_added_and_indexed_is_found_at_once(make_app, tmp_path):
    content = write_tree(tmp_path / "content", {"01-a/course.yml": "id: a\ntitle: A\nlanguage: en\n",
                                                "01-a/01-one.md": "# One\n\nText.\n"})
    app = make_app(content)
    tablet = app.test_client()
    Learners(tablet).create("Awa", "sun")
    assert tablet.get("/courses/a/two").status_code == 404
    write_tree(content, {"01-a/02-two.md": "# Two\n\nMore text.\n"})
    make_app(content)                        # a restart re-indexes the folder
    assert tablet.get("/courses/a/two").status_code == 200
