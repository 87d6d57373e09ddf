"""A hub under fuzz, on SQLite or PostgreSQL: a published pack, facilitators, an enrolled kiosk that
synced real events; requests signed as that kiosk signs them (protocol.request_headers), or tampered."""
from __future__ import annotations

import gzip
import json
import time
import uuid
from pathlib import Path
from urllib.parse import unquote

from hypothesis import strategies as st

from sync.hub import auth
from sync.hub import db as hub_db
from sync.hub.app import create_hub_app
from sync.hub.models import Publication
from sync.hub.publish import publish
from sync.packs.signing import trust
from sync.wire import protocol
from tests.sync_tests.conftest import reset_postgres

from . import inputs, sweep
from .calls import Call
from .routes import VARIABLES
from .targets import CSRF, Target, body_text

FACILITATOR = ("Fatou", "correct horse battery")
OTHER_FACILITATOR = ("Idrissa", "staple battery horse")
CENTRE = "Centre social Belleville"
LEARNER = "7b1f4a36-58a4-4e57-9c59-0e8a1d2c3f4b"
CERTIFICATE = "ABCD-2345"
SIGNED = [protocol.H_KIOSK, protocol.H_TIME, protocol.H_NONCE, protocol.H_SIG, "Content-Digest"]
PAYLOAD_KEYS = ["lesson", "course", "status", "step", "steps_total", "time_spent", "with_help", "attempt", "score",
                "total", "passed", "correct", "name", "picture", "prefs", "code", "language", "answers"]
# A value of the wrong type or size where a payload field belongs: the merge and xAPI read every field.
PAYLOAD_VALUES = ["abc", "", "1", "²", "١٢", None, True, False, [], {}, [1], ["basics-mouse"], {"a": 1}, 2**63, 2**70,
                  -1, 0, 1.5, 1e300, "x" * 300, "\x00", "a\x00b", "\ud7ff", LEARNER, "completed", "9" * 30]
TAMPERED = ["²", "١٧٣٢٨٠٠٠٠٠٠٠٠", "9" * 5000, "9" * 30, "-1", "+1", " 1", "", "0", "é" * 64, "é", "ÿ" * 32,
            LEARNER.upper(), LEARNER + " ", "sha-256=:é:"]


def _event(seq: int, kind: str, payload: dict, learner: str | None = LEARNER, event_id: str | None = None,
           hlc_ms: int | None = None) -> dict:
    return {"id": event_id or str(uuid.uuid4()), "epoch": 1, "seq": seq, "learner": learner,
            "hlc": f"{hlc_ms or int(time.time() * 1000):015d}-{seq % 1000000:06d}", "type": kind, "payload": payload}


# Batches json.dumps cannot write: a number past int()'s 4300 digits, nesting past the recursion limit…
RAW_BATCHES = [b'{"v":1,"pending":' + b"1" * 5000 + b',"events":[]}', b'{"v":1,"events":[' + b"[" * 5000 + b"]" * 5000 + b"]}",
               b'{"v":1,"pending":NaN,"events":[]}', b'{"v":1,"events":[],"x":"\\ud800"}', b"\xef\xbb\xbf{}",
               b'{"v":1,"events":[{"payload":' + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"}]}"]
# Real payloads of each type, as the kiosk writes them; the fuzzer changes a few fields of one.
TEMPLATES = {
    "learner.created": {"name": "Awa", "picture": "sun", "prefs": {"language": "fr", "text_size": 100}},
    "learner.renamed": {"name": "Awa B."}, "learner.prefs": {"prefs": {"language": "ar", "contrast": True}},
    "learner.erased": {},
    "lesson.progressed": {"lesson": "basics-mouse", "course": "basics", "status": "started", "step": 1,
                          "steps_total": 2, "time_spent": 40, "with_help": False},
    "lesson.completed": {"lesson": "basics-reading", "course": "basics", "status": "completed", "step": 2,
                         "steps_total": 2, "time_spent": 90, "with_help": True},
    "quiz.attempted": {"attempt": "3c1d0b9e-2f6a-4f3e-8a51-6f0f7b2d9c11", "lesson": "basics-mouse", "course": "basics",
                       "score": 2, "total": 3, "passed": False, "correct": [True, False, True]},
    "certificate.issued": {"code": "WXYZ-6789", "course": "basics", "course_title": "Basics", "name": "Awa"},
}
# What the seeded kiosk synced before the fuzzing: a learner who studied, tried the quiz and earned a certificate.
SEED_EVENTS = [(kind, TEMPLATES[kind]) for kind in ("learner.created", "lesson.progressed", "quiz.attempted",
                                                    "lesson.completed")] \
    + [("certificate.issued", {**TEMPLATES["certificate.issued"], "code": CERTIFICATE})]


class Hub(Target):
    name, cookie_name = "hub", "relais_hub"
    identities = ["anonymous", "facilitator", "facilitator", "stale", "garbage"]
    signed_in = {"facilitator": "/"}
    crawl_as = ("anonymous", "facilitator")
    sources = ("sync/hub",)

    def __init__(self, root: Path, packs: dict, files: list[tuple[str, bytes]], database: str,
                 url: str | None = None):
        config = {"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "HUB_DATA_DIR": str(root / "hub"),
                  "SECRET_KEY": "fuzz-hub"}
        if url:
            reset_postgres(url)
            config["DATABASE_URL"] = url
        super().__init__(create_hub_app(config))
        self.database, self.db, self.files, self.bomb = database, hub_db.database.obj, files, packs["gzip bomb"]
        self.content_dir = Path(self.app.config["HUB_CONTENT_DIR"])
        self.account_names = [OTHER_FACILITATOR[0], "", "é", "a" * 300]
        self.seq, self.last_nonce = 0, uuid.uuid4().hex
        self._seed(packs)

    def activate(self) -> None:
        if hub_db.database.obj is not self.db:
            hub_db.database.initialize(self.db)

    def close(self) -> None:
        if hasattr(self.db, "close_all"):
            self.db.close_all()

    # -- the hub's state -------------------------------------------------------------------------
    def _seed(self, packs: dict) -> None:
        trust(packs["public"], self.content_dir)
        with hub_db.database.connection_context():
            publish(packs["v1"], self.content_dir, None, by="fuzz")
            for name, password in (FACILITATOR, OTHER_FACILITATOR):
                auth.create_facilitator(name, password)
            codes = [auth.new_enroll_code(CENTRE) for _ in range(6)]
        answer = self.browser().post(protocol.ENROLL_PATH, json={"code": codes.pop()})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        self.kiosk_id, self.secret = answer.get_json()["kiosk_id"], answer.get_json()["secret"]
        events = [_event(self.next_seq(), kind, payload) for kind, payload in SEED_EVENTS]
        body = protocol.encode_batch(events)
        answer = self.browser().post(protocol.EVENTS_PATH, data=body, headers=self.signature("POST", protocol.EVENTS_PATH, body))
        assert answer.status_code == 200, answer.get_data(as_text=True)
        self.seed_events = events
        self.sign_in("facilitator")
        stale = self.browser()
        self._log_in(stale)
        self.keep("stale", stale, "/")
        stale.post("/logout", data={"csrf_token": self.csrf_token("stale")})
        self.sessions["garbage"] = ("eyJodWJfdG9rZW4iOiJ4In0.Zz.abc", "garbage")
        self.keep("anonymous", self.browser(), "/login")
        self.catalogue.read("/verify", body_text(self.browser_for("facilitator").get("/verify?code=" + CERTIFICATE)),
                            "facilitator")
        self.crawl()
        self.values = {
            "code": codes + [CERTIFICATE, CERTIFICATE.lower(), "ABCD-234²"], "centre": [CENTRE, "\x00", " "],
            "name": [OTHER_FACILITATOR[0]], "password": [OTHER_FACILITATOR[1]], "audience": ["all", "chosen"],
            "target": [self.kiosk_id, CENTRE, ""], "installed": ["basics.v1", "basics.v2", "x.v1", "basics.v" + "9" * 20],
            "have": ["basics.v1", "basics.v2"], "after": ["0", "1", "3", "١", "-1"], "limit": ["1", "200", "1000", "0"],
            "next": ["/learners", "//evil.example", "http://evil.example/", "/\r\nx"],
        }
        self.verified.clear()

    def _log_in(self, browser, account=FACILITATOR) -> None:
        token = CSRF.search(browser.get("/login").get_data(as_text=True)).group(1)
        browser.post("/login", data={"csrf_token": token, "name": account[0], "password": account[1]})

    def sign_in(self, identity: str) -> None:
        browser = self.browser()
        self._log_in(browser)
        self.keep(identity, browser, "/")

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def real(self, kind: str) -> list[str]:
        if kind == "blob":
            with hub_db.database.connection_context():
                shas = sorted({sha for p in Publication.select(Publication.blobs) for sha in json.loads(p.blobs)})
            return shas[:20] + [sha + ".gz" for sha in shas[:5]]
        if kind == "static":
            folder = Path(self.app.static_folder or "")
            return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        return []

    # -- signed requests -------------------------------------------------------------------------
    def signature(self, method: str, path: str, body: bytes, nonce: str | None = None,
                  stamp: int | None = None) -> dict:
        return protocol.request_headers(self.secret, self.kiosk_id, path, body, stamp or int(time.time() * 1000),
                                        nonce, method="GET" if method == "HEAD" else method)

    def draw(self, data, route) -> Call:
        call = super().draw(data, route)
        if route.rule == protocol.EVENTS_PATH and data.draw(st.sampled_from([True] * 3 + [False]), label="batch?"):
            call.body = data.draw(self.batches(), label="batch")
            call.content_type, call.headers["Content-Encoding"] = "application/json", "gzip"
        if route.rule == protocol.ENROLL_PATH and data.draw(st.sampled_from([True] * 3 + [False]), label="enrol?"):
            call.body = data.draw(self.enrolments(), label="enrolment")
            call.content_type = data.draw(st.sampled_from(["application/json"] * 4 + ["text/plain"]), label="type")
        call.signing = data.draw(st.sampled_from(["signed"] * 4 + ["tampered"] * 3 + ["none"] * 2 + ["replayed", "clock"]),
                                 label="signing")
        if isinstance(call.body, dict):
            call.signing = "none"            # a form is encoded by the client: there are no bytes to sign
        if call.signing != "none":
            self._sign(data, call)
        return call

    def _sign(self, data, call: Call) -> None:
        body = call.body or b""
        path = unquote(call.path)
        nonce = self.last_nonce if call.signing == "replayed" else None
        stamp = int(time.time() * 1000) + (data.draw(st.sampled_from([-1, 1]), label="skew") * 600_000
                                           if call.signing == "clock" else 0)
        headers = self.signature(call.method, path, body, nonce, stamp)
        if call.signing == "tampered":
            name = data.draw(st.sampled_from(SIGNED), label="tampered header")
            headers[name] = data.draw(inputs.weighted((3, st.sampled_from(TAMPERED)), (1, inputs.wire_text())),
                                      label="tampered value")
            if name == protocol.H_TIME and data.draw(st.booleans(), label="re-sign"):
                headers[protocol.H_SIG] = self._resign(call.method, path, headers)
        self.last_nonce = headers[protocol.H_NONCE]
        call.headers.update(headers)

    def _resign(self, method: str, path: str, headers: dict) -> str:
        """Sign again over a timestamp written with other digits (int() reads "١٧٣…"; the hub too, if it asks)."""
        try:
            stamp = int(headers[protocol.H_TIME])
        except ValueError:
            return headers[protocol.H_SIG]
        message = protocol.string_to_sign("GET" if method == "HEAD" else method, path, headers["Content-Digest"],
                                          self.kiosk_id, stamp, headers[protocol.H_NONCE])
        return protocol.sign(self.secret, message)

    def batches(self) -> st.SearchStrategy[bytes]:
        """Gzip'd batches: real events with a few fields made hostile, broken events, resent ones, hostile JSON."""
        return self.strategy("batches", self._batches)

    def _batches(self) -> st.SearchStrategy[bytes]:
        values = inputs.weighted((3, st.sampled_from(PAYLOAD_VALUES)), (1, inputs.json_values(6)))
        kinds = st.sampled_from(sorted(TEMPLATES) + ["nope", ""])
        payloads = kinds.flatmap(lambda kind: st.lists(st.tuples(st.sampled_from(PAYLOAD_KEYS), values), max_size=3)
                                 .map(lambda changes: (kind, {**TEMPLATES.get(kind, {}), **dict(changes)})))
        learners = inputs.weighted((6, st.just(LEARNER)), (1, st.uuids().map(str)), (1, st.none()),
                                   (1, inputs.text(10)))
        fresh = st.builds(lambda kind_payload, learner, ms: self.fresh_event(*kind_payload, learner, ms), payloads,
                          learners, inputs.weighted((4, st.just(None)), (1, st.integers(0, 10**15 - 1))))
        broken = fresh.flatmap(lambda e: st.sampled_from(sorted(e)).flatmap(
            lambda key: values.map(lambda v: {**e, key: v})))
        events = st.lists(inputs.weighted((6, fresh), (2, broken), (1, st.sampled_from(self.seed_events)),
                                          (1, values)), min_size=1, max_size=6)
        pending = inputs.weighted((6, st.integers(0, 50)), (1, inputs.INTEGERS), (1, inputs.text(5)))
        version = st.sampled_from([protocol.VERSION] * 10 + [2, "1", None])
        batch = st.builds(lambda evs, pending, v: {"v": v, "pending": pending, "events": evs}, events, pending, version)
        as_json = inputs.weighted((8, batch), (1, inputs.json_values())).map(lambda b: json.dumps(b).encode())
        return inputs.weighted((8, as_json.map(lambda raw: gzip.compress(raw, mtime=0))),
                               (2, inputs.gzipped(inputs.JSON_BODIES)), (1, st.just(self.bomb)))

    def fresh_event(self, kind: str, payload, learner, hlc_ms: int) -> dict:
        """An event the hub has not seen: the next sequence number, an id of its own."""
        seq = self.next_seq()
        return _event(seq, kind, payload, learner, str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.kiosk_id}/{seq}")),
                      hlc_ms)

    def enrolments(self) -> st.SearchStrategy[bytes]:
        """Enrolment bodies: a fresh code or a used one, odd installations, epochs that are not numbers."""
        return self.strategy("enrolments", self._enrolments)

    def _enrolments(self) -> st.SearchStrategy[bytes]:
        codes = inputs.weighted((3, st.builds(self.fresh_code)), (1, st.sampled_from(self.values["code"])),
                                (1, inputs.json_values(4)))
        numbers = st.sampled_from(["1", "2", "0", "²", "١", "-1", "9" * 30, "9" * 5000, " 1", "1.0"])
        epochs = inputs.weighted((3, st.dictionaries(inputs.weighted((3, numbers), (1, inputs.text(5))),
                                                     st.sampled_from(PAYLOAD_VALUES) | st.integers(0, 100),
                                                     max_size=3)), (1, inputs.json_values(4)))
        body = st.fixed_dictionaries({"code": codes, "epochs": epochs}, optional={
            "installation": inputs.weighted((2, st.uuids().map(str)), (2, st.sampled_from(PAYLOAD_VALUES)),
                                            (1, inputs.json_values(4)))})
        return inputs.weighted((6, body.map(lambda b: json.dumps(b).encode())), (1, inputs.JSON_BODIES))

    def fresh_code(self) -> str:
        with hub_db.database.connection_context():
            return auth.new_enroll_code(CENTRE)

    # -- the dictionary sweep (sweep.py) for what only the hub reads ---------------------------------
    def checks_signatures(self, route) -> bool:
        """Whether `route` answers an unsigned request 401: then every signed header is swept."""
        if route.variables and not self.real(VARIABLES[route.variables[0][0]]):
            return False
        path = sweep.path_of(self, route)
        answer = self.client.open(path, method=route.method, data=b"" if route.method == "POST" else None)
        return answer.status_code == 401

    def signed_header_calls(self, route) -> list[Call]:
        """The route signed right, then each signed header replaced by each hostile value (and re-signed)."""
        path = sweep.path_of(self, route)
        body = protocol.encode_batch([]) if route.method == "POST" else b""
        calls = []
        for name in SIGNED:
            for value in TAMPERED:
                headers = self.signature(route.method, unquote(path), body)
                headers[name] = value
                if name == protocol.H_TIME:
                    headers[protocol.H_SIG] = self._resign(route.method, unquote(path), headers)
                calls.append(Call(route, route.method, path, "", "anonymous", headers,
                                  body if route.method == "POST" else None, signing="tampered"))
        return calls

    def payload_calls(self, route) -> list[Call]:
        """For each event type and each payload field: one signed batch trying every hostile JSON value there."""
        calls = []
        for kind, template in sorted(TEMPLATES.items()):
            for key in sorted(set(template) | {"lesson", "course"}):
                events = [self.fresh_event(kind, {**template, key: value}, LEARNER, None) for value in sweep.JSON_VALUES]
                body = protocol.encode_batch(events)
                headers = {**self.signature("POST", protocol.EVENTS_PATH, body), "Cookie": ""}
                calls.append(Call(route, "POST", protocol.EVENTS_PATH, "", "anonymous", headers, body,
                                  "application/json", signing="signed"))
        for raw in RAW_BATCHES:
            body = gzip.compress(raw, mtime=0)
            headers = {**self.signature("POST", protocol.EVENTS_PATH, body), "Cookie": ""}
            calls.append(Call(route, "POST", protocol.EVENTS_PATH, "", "anonymous", headers, body, "application/json",
                              signing="signed"))
        return calls

    def enrolment_calls(self, route) -> list[Call]:
        """A real enrolment (a fresh code each time) with each field made hostile in turn."""
        calls = []
        epochs = [{"1": value} for value in sweep.JSON_VALUES] + [{key: 1} for key in sweep.VALUES if isinstance(key, str)]
        for key in ("code", "installation", "epochs"):
            for value in sweep.JSON_VALUES + (epochs if key == "epochs" else []):
                body = {"code": self.fresh_code(), "installation": str(uuid.uuid4()), "epochs": {"1": 1}, key: value}
                calls.append(Call(route, "POST", protocol.ENROLL_PATH, "", "anonymous", {},
                                  json.dumps(body).encode(), "application/json"))
        return calls

    # -- the answer ------------------------------------------------------------------------------
    def check_message(self, call: Call, response) -> None:
        text = body_text(response)
        assert text.strip(), f"{call.route.id}: {response.status_code} with an empty body\n  {call.describe()}"
        if call.path.startswith("/sync/"):
            answer = response.get_json(silent=True)
            assert isinstance(answer, dict) and answer.get("error") and answer.get("message"), (
                f"{call.route.id}: {response.status_code} without the JSON error kiosks read\n  {call.describe()}\n"
                f"  answer: {text[:300]!r}")
