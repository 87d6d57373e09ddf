"""The kiosk under fuzz: real content installed from a signed pack, learners with progress, a quiz
attempt and a certificate, two facilitators and a group, all made through the kiosk's own pages."""
from __future__ import annotations

import re
from pathlib import Path

from kiosk import db as kiosk_db
from kiosk import facilitators
from kiosk.app import create_app
from kiosk.i18n import LANGUAGES
from kiosk.models import Certificate, Course, Facilitator, Learner, LearnerGroup, Lesson, QuizAttempt
from kiosk.packs import import_pack, trust
from sync.client import db as sync_db

from .calls import Call
from .targets import CSRF, Target, body_text

FACILITATOR = ("Fatou", "correct horse battery")         # the suite's own account, never given to the fuzzer
OTHER_FACILITATOR = ("Idrissa", "staple battery horse")  # the fuzzer may use (and lock) this one
SETUP_CODE = "fuzz-setup"
STATIC = Path(__file__).resolve().parents[2] / "kiosk" / "static"
HTML_LANG = re.compile(r'<html lang="([^"]*)"')
HUB_URLS = ["http://127.0.0.1:9", "http://127.0.0.1:9/", "https://127.0.0.1:9", "http://[::1]:9", "http://[::1",
            "http://127.0.0.1:99999", "http://127.0.0.1:9/\x00", "http://0.0.0.0:9", "ftp://127.0.0.1/",
            "127.0.0.1:9", "http://", "http://:9", "http://127.0.0.1:9/" + "a" * 3000, "http://1.2.3.4.5:9",
            "http://user:pa ss@127.0.0.1:9"]


class Kiosk(Target):
    name, database, cookie_name = "kiosk", "sqlite", "relais"
    identities = ["anonymous", "learner", "facilitator", "learner", "facilitator", "first_run", "stale", "garbage"]
    signed_in = {"learner": "/home", "facilitator": "/facilitator/"}
    crawl_as = ("anonymous", "learner", "facilitator")
    sources = ("kiosk",)

    def __init__(self, root: Path, packs: dict, files: list[tuple[str, bytes]]):
        data, content, usb = root / "data", root / "site" / "content", root / "usb" / "stick"
        trust(packs["public"], data)
        import_pack(packs["v1"], content, data)
        usb.mkdir(parents=True)
        for label, body in files:
            (usb / label).write_bytes(body)
        app = create_app({"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "DATA_DIR": str(data),
                          "CONTENT_DIR": str(content), "SECRET_KEY": "fuzz-kiosk", "DEFAULT_LANGUAGE": "fr",
                          "SYNC_BACKGROUND": "no", "PACK_USB_ROOTS": [str(usb.parent)], "SETUP_CODE": SETUP_CODE})
        super().__init__(app)
        self.db, self.usb, self.files = kiosk_db.database.obj, usb, files
        self.account_names = [OTHER_FACILITATOR[0], "", "é", "a" * 300]
        self._seed()

    def activate(self) -> None:
        if kiosk_db.database.obj is not self.db:
            kiosk_db.database.initialize(self.db)
            sync_db.bind(self.db)

    # -- the kiosk's state, made through its own pages ------------------------------------------
    def _seed(self) -> None:
        first = self.browser()
        token = self._token(first, "/facilitator/setup")
        first.post("/facilitator/setup", data={"csrf_token": token, "name": FACILITATOR[0],
                                               "password": FACILITATOR[1], "password_confirm": FACILITATOR[1]})
        with kiosk_db.database.connection_context():
            facilitators.create(*OTHER_FACILITATOR)      # a second account has no page: made as the CLI does
        self.keep("facilitator", first, "/facilitator/")
        first.post("/facilitator/groups", data={"csrf_token": self.csrf_token("facilitator"), "name": "Atelier du mardi"})
        for name, pin in (("Awa", ""), ("Binta", "1234")):
            other = self.browser()
            other.post("/new", data={"csrf_token": self._token(other, "/new"), "name": name, "picture": "sun",
                                     "pin": pin, "pin_confirm": pin})
        self.sign_in("learner")
        self._study(self.browser_for("learner"))
        stale = self.browser()
        stale.post("/new", data={"csrf_token": self._token(stale, "/new"), "name": "Gone", "picture": "cat"})
        self.keep("stale", stale, "/home")
        stale.post("/logout", data={"csrf_token": self.csrf_token("stale")})
        self.sessions["garbage"] = ("eyJsZWFybmVyX3Rva2VuIjoieCJ9.Zz.abc", "garbage")
        anonymous = self.browser()
        self.keep("anonymous", anonymous, "/")
        self.sessions["first_run"] = self.sessions["anonymous"]
        self.crawl()
        self._collect_values()

    def _token(self, browser, page: str) -> str:
        return CSRF.search(browser.get(page).get_data(as_text=True)).group(1)

    def _study(self, browser) -> None:
        """The fuzz learner reads every lesson, answers the quiz right and earns the course's certificate."""
        token = self.csrf_token("learner")
        with kiosk_db.database.connection_context():
            lessons = [(lesson.course_id, lesson.slug, len(lesson.versions[0].steps), bool(lesson.versions[0].quiz))
                       for lesson in Lesson.select()]
        for course, slug, steps, quiz in lessons:
            browser.post(f"/courses/{course}/{slug}/step", data={"csrf_token": token, "step": steps})
            if quiz:
                browser.post(f"/courses/{course}/{slug}/quiz",
                             data={"csrf_token": token, "q0": "1", "q1": "false", "q2": "Maj"})
        for course in {c for c, *_ in lessons}:
            browser.post(f"/courses/{course}/certificate", data={"csrf_token": token})

    def _collect_values(self) -> None:
        with kiosk_db.database.connection_context():
            learners = list(Learner.select())
            self.values = {
                "name": [p.name for p in learners] + [OTHER_FACILITATOR[0]],
                "confirm_name": [p.name for p in learners], "password": [OTHER_FACILITATOR[1]],
                "other": [p.uuid for p in learners], "learner": [str(p.id) for p in learners] + ["0", "-1"],
                "lesson": [lesson.key for lesson in Lesson.select()], "course": self.real("course"),
                "language": list(LANGUAGES), "default_language": list(LANGUAGES),
                "pin": ["1234", "0000", "١٢٣٤", "12345"], "pin_confirm": ["1234"], "code": [SETUP_CODE],
                "path": [str(self.usb / label) for label, _ in self.files] + [
                    str(self.usb), "/etc/passwd", f"{self.usb}/a\x00.zip", f"/{'a' * 300}.zip", f"{self.usb}/{'b' * 5000}.zip",
                    f"{self.usb}/../../../etc/x.zip", "/proc/self/fd/0.zip", " /x.zip", "/é.ZIP"],
                "hub_url": HUB_URLS, "step": ["0", "1", "2", "3", "99"], "days": ["1", "7", "365", "0"],
                "idle_minutes": ["1", "10", "120", "121"], "budget": ["0", "1,5", "100000", "1e3"],
                "window_from": ["20:00", "24:00", "٢٠:٠٠"], "window_to": ["07:00", "7:0"],
                "text_size": ["100", "150", "200", "١٠٠"], "separator": ["comma", "semicolon", "tab"],
            }

    def real(self, kind: str) -> list[str]:
        with kiosk_db.database.connection_context():
            if kind == "course":
                return [c.id for c in Course.select(Course.id)]
            if kind == "slug":
                return [lesson.slug for lesson in Lesson.select(Lesson.slug)]
            if kind == "attempt":
                return [a.uuid for a in QuizAttempt.select(QuizAttempt.uuid)]
            if kind == "certificate":
                return [c.code for c in Certificate.select(Certificate.code)]
            if kind == "learner":
                return [p.uuid for p in Learner.select(Learner.uuid)]
            if kind == "group":
                return [str(g.id) for g in LearnerGroup.select(LearnerGroup.id)]
        if kind == "blob":
            cache = Path(self.app.config["DATA_PATH"]) / "media-cache"
            return sorted(p.name for p in cache.iterdir()) if cache.is_dir() else []
        if kind == "media":
            root = Path(self.app.config["CONTENT_PATH"])
            return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())[:40]
        if kind == "static":
            return sorted(p.name for p in STATIC.iterdir())
        raise KeyError(kind)

    # -- who sends a request ---------------------------------------------------------------------
    def sign_in(self, identity: str) -> None:
        browser = self.browser()
        if identity == "facilitator":
            token = self._token(browser, "/facilitator/login")
            browser.post("/facilitator/login", data={"csrf_token": token, "name": FACILITATOR[0],
                                                     "password": FACILITATOR[1]})
            return self.keep("facilitator", browser, "/facilitator/")
        with kiosk_db.database.connection_context():
            mine = Learner.get_or_none((Learner.name == "Fuzz") & Learner.pin_hash.is_null())
        if mine is not None:
            browser.post(f"/learner/{mine.uuid}", data={"csrf_token": self._token(browser, f"/learner/{mine.uuid}")})
        if browser.get("/home").status_code != 200:     # erased, merged away or given a PIN by the fuzzer
            browser.post("/new", data={"csrf_token": self._token(browser, "/new"), "name": "Fuzz", "picture": "sun",
                                       "confirm_new": "1"})     # another "Fuzz" may hold a PIN the fuzzer gave
            browser.post("/preferences", data={"csrf_token": self._token(browser, "/preferences"), "language": "ar",
                                               "text_size": "100"})     # not the kiosk's default: seen if lost
        self.keep("learner", browser, "/home")

    def before(self, call: Call) -> None:
        """A first-run visitor finds no facilitator account; they come back after the request."""
        self._held = None
        if call.identity == "first_run":
            with kiosk_db.database.connection_context():
                self._held = [(model, list(model.select().dicts())) for model in _facilitator_tables()]
                Facilitator.delete().execute()

    def after(self, call: Call) -> None:
        super().after(call)
        if self._held is not None:
            with kiosk_db.database.connection_context(), kiosk_db.database.atomic():
                Facilitator.delete().execute()
                for model, rows in self._held:
                    if rows:
                        model.insert_many(rows).execute()

    # -- the answer ------------------------------------------------------------------------------
    def check_message(self, call: Call, response) -> None:
        """A 4xx page is the kiosk's own, in the visitor's language; anything else still says something."""
        text = body_text(response)
        assert text.strip(), f"{call.route.id}: {response.status_code} with an empty body\n  {call.describe()}"
        if response.mimetype != "text/html":
            return
        found = HTML_LANG.search(text)
        assert found and found.group(1) in LANGUAGES, (
            f"{call.route.id}: {response.status_code} is not a kiosk page in a language of the kiosk "
            f"(werkzeug's own page?)\n  {call.describe()}\n  answer: {text[:300]!r}")
        expected = self._language_of_a_page(call)
        assert expected is None or found.group(1) == expected, (
            f"{call.route.id}: {response.status_code} in {found.group(1)!r}, while this visitor's pages are in "
            f"{expected!r}\n  {call.describe()}")

    def _language_of_a_page(self, call: Call) -> str | None:
        """The language this visitor's pages are in: the `lang` cookie they chose, or for a learner still
        signed in, their home page's (their own choice first) with the same cookies and headers, from the
        same address (the kiosk's own screen does not go by the browser's languages)."""
        if call.identity != "learner":
            chosen = self.lang_cookie(call)
            return chosen if chosen in LANGUAGES else None
        same = {k: v for k, v in call.headers.items() if k in ("Cookie", "Accept-Language")}
        home = self.client.get("/home", headers=same, environ_base={"REMOTE_ADDR": call.remote_addr})
        found = HTML_LANG.search(body_text(home)) if home.status_code == 200 else None
        return found.group(1) if found else None


def _facilitator_tables() -> list:
    """Facilitator and every table that points at it (its sessions), to put back as they were."""
    return [Facilitator] + sorted({fk.model for fk in Facilitator._meta.backrefs}, key=lambda m: m.__name__)
