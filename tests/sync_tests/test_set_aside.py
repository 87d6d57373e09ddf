"""One event never stops the queue: the hub sets aside what it cannot store (and says so), a kiosk speaks
only for its own centre's learners, and both the kiosk's and the hub's pages show what was set aside."""
from __future__ import annotations

import gzip
import json
import secrets
import time
import uuid
from types import SimpleNamespace

import pytest
import requests
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.db import database
from sync.client import outbox, state
from sync.client.outbox import KioskIdentity
from sync.client.uploader import Uploader
from sync.hub import db as hub_db
from sync.hub import event_places
from sync.hub.auth import create_facilitator
from sync.hub.models import Erased, Event, Learner, LessonState, QuizAttempt, SetAside
from sync.wire import checks, protocol
from tests.conftest import ROOT
from tests.sync_tests.test_hub_pages import PASSWORD, signed_in
from tests.sync_tests.test_hub_refuses import RawKiosk, event
from tests.sync_tests.test_kiosk_side import staff  # noqa: F401  (a fixture)
from tests.sync_tests.test_merge import lesson, make

AWA = str(uuid.UUID(int=7))            # the learner of test_hub_refuses.event()


def hub_kiosk(hub, centre: str) -> RawKiosk:
    """A kiosk of `centre` enrolled with the hub, sending batches made by hand."""
    answer = requests.post(hub.url + protocol.ENROLL_PATH, json={"code": hub.code(centre)}, timeout=10)
    assert answer.status_code == 200, answer.text
    return RawKiosk(hub, SimpleNamespace(kiosk_id=answer.json()["kiosk_id"], secret=answer.json()["secret"]))


def with_payload(seq: int, **changes) -> dict:
    base = event(seq)
    return dict(base, payload=dict(base["payload"], **changes))


def set_aside_rows(hub) -> list[SetAside]:
    return hub.query(lambda: list(SetAside.select().order_by(SetAside.seq)))


def storable_anywhere(text: str) -> bool:
    return not any(ord(c) < 0x20 and c not in "\t\n\r" or 0xD800 <= ord(c) <= 0xDFFF for c in text)


POISONS = {
    "over-size": (lambda seq: with_payload(seq, note="x" * protocol.MAX_PAYLOAD), "too_large"),
    "nul": (lambda seq: with_payload(seq, lesson="basics\x00mouse"), "bad_text"),
    "unknown-type": (lambda seq: dict(event(seq), type="lesson.deleted"), "unknown_type"),
}


@pytest.mark.parametrize("poison", POISONS)
def test_one_bad_event_among_good_ones_is_set_aside_and_everything_after_it_flows(hub, poison):
    make_bad, reason = POISONS[poison]
    raw = hub_kiosk(hub, "Belleville")
    first, bad, third = event(1), make_bad(2), event(3)

    answer = raw.batch([first, bad, third])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["acked"] == {"1": 3} and body["stored"] == 2 and body["duplicates"] == 0
    assert body["set_aside"] == [{"id": bad["id"], "epoch": 1, "seq": 2, "reason": reason}]
    assert sorted(hub.event_ids()) == sorted([first["id"], third["id"]])
    assert hub.query(lambda: LessonState.get(LessonState.learner_uuid == AWA).step) == 3     # merged
    [row] = set_aside_rows(hub)
    assert (row.id, row.kiosk_id, row.epoch, row.seq, row.reason) == (bad["id"], raw.link.kiosk_id, 1, 2, reason)
    assert row.detail and storable_anywhere(row.excerpt) and bad["id"] in row.excerpt
    assert len(row.excerpt.encode()) <= 4100 and row.size >= len(json.dumps(bad["payload"]))

    assert raw.batch([event(4)]).json()["acked"] == {"1": 4}                 # the next batch flows
    again = raw.batch([first, bad, third]).json()                           # a lost acknowledgement
    assert (again["stored"], again["duplicates"], again["acked"]) == (0, 3, {"1": 4})
    assert again["set_aside"] == body["set_aside"] and len(set_aside_rows(hub)) == 1


RULES = {
    "nul-in-a-value": (lambda s: with_payload(s, answers={"0": ["Maj\x00"]}), "bad_text"),
    "nul-in-a-key": (lambda s: with_payload(s, **{"na\x00me": "Awa"}), "bad_text"),
    "escape-character": (lambda s: with_payload(s, lesson="\x1b[31m"), "bad_text"),
    "lone-surrogate": (lambda s: with_payload(s, lesson="le\ud800çon"), "bad_text"),
    "nul-in-the-learner": (lambda s: dict(event(s), learner=AWA + "\x00"), "bad_text"),
    "nul-in-the-clock": (lambda s: dict(event(s), hlc=event(s)["hlc"] + "\x00"), "bad_text"),
    "nul-in-the-type": (lambda s: dict(event(s), type="lesson.progressed\x00"), "bad_text"),
    "nul-in-an-extra-field": (lambda s: dict(event(s), note="\x00"), "bad_fields"),
    "payload-missing": (lambda s: {k: v for k, v in event(s).items() if k != "payload"}, "bad_fields"),
    "payload-not-an-object": (lambda s: dict(event(s), payload=["step", 3]), "bad_value"),
    "nested-too-deep": (lambda s: with_payload(s, answers=json.loads("[" * 12 + "]" * 12)), "too_deep"),
    "integer-beyond-2**53": (lambda s: with_payload(s, time_spent=2**60), "bad_number"),
    "not-a-number": (lambda s: with_payload(s, time_spent=float("nan")), "bad_number"),
    "bad-learner": (lambda s: dict(event(s), learner="Awa"), "bad_learner"),
    "bad-clock": (lambda s: dict(event(s), hlc="yesterday"), "bad_hlc"),
    # Arabic-Indic digits are digits to Python, and would sort after every clock of ASCII digits: the
    # learner's name or preferences in such an event would win every later change.
    "clock-in-other-digits": (lambda s: dict(event(s), hlc="\u0661" * 15 + "-" + "\u0660" * 6), "bad_hlc"),
    "type-not-text": (lambda s: dict(event(s), type=["lesson.progressed"]), "unknown_type"),
}


@pytest.mark.parametrize("rule", RULES)
def test_an_event_breaking_any_rule_is_set_aside_never_a_server_error(hub, rule):
    make_bad, reason = RULES[rule]
    raw = hub_kiosk(hub, "Belleville")
    bad = make_bad(2)
    # ensure_ascii: a lone surrogate travels as its \\uXXXX escape, as a JSON library would write it
    answer = raw.send(gzip.compress(json.dumps({"v": 1, "events": [event(1), bad, event(3)]}).encode()))
    assert answer.status_code == 200, answer.text
    assert answer.json()["acked"] == {"1": 3} and answer.json()["stored"] == 2
    assert answer.json()["set_aside"] == [{"id": bad["id"], "epoch": 1, "seq": 2, "reason": reason}]
    [row] = set_aside_rows(hub)
    assert storable_anywhere(row.excerpt) and storable_anywhere(row.detail) and row.reason == reason


# Mostly sound text, sometimes with control characters, lone surrogates or backslashes; numbers near
# the limits; nesting near the limit; and text near the size limit.
ANY_TEXT = (st.text(max_size=12) | st.text(st.characters(exclude_categories=()), max_size=3)
            | st.sampled_from(["\\", "a\\u0000b", "\t\n\r", "ﷺ", "😀"]))
NUMBERS = (st.integers(-2**54, 2**54) | st.sampled_from([2**53 - 1, 2**53, -(2**53), 10**15, 10**16])
           | st.floats())
NESTED = st.integers(7, 12).map(lambda depth: json.loads("[" * depth + "]" * depth))
LONG = st.integers(4000, 4200).map(lambda n: "é" * n)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | NUMBERS | ANY_TEXT | NESTED | LONG,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=6))
def test_the_hubs_quick_check_of_a_payload_agrees_with_the_full_rules(payload):
    """The hub first looks at a payload's canonical JSON and walks it only when in doubt (protocol.py);
    whatever the payload, it comes to the same answer as sync/wire/checks.py."""
    found = protocol.event_problem(dict(event(1), payload=payload))
    expected = checks.payload_problem(payload)
    assert (found and found.reason) == (expected and expected.reason)
    if expected is None:
        assert protocol.check_events([dict(event(1), payload=payload)])[0].payload == checks.canonical(payload)


@pytest.mark.parametrize("broken", [
    lambda: dict(event(1), id=str(uuid.UUID(int=9)) + "\x00"),
    lambda: dict(event(1), id=str(uuid.UUID(int=9)) + "\n"),
    lambda: dict(event(1), epoch="1\x00"),
    lambda: "\x00",
], ids=["nul-in-the-id", "newline-after-the-id", "nul-in-the-epoch", "not-an-object"])
def test_an_event_without_a_usable_place_spoils_its_batch_with_a_400_not_a_500(hub, broken):
    raw = hub_kiosk(hub, "Belleville")
    answer = raw.send(gzip.compress(json.dumps({"v": 1, "events": [broken()]}).encode()))
    assert answer.status_code == 400, answer.text
    assert hub.event_ids() == [] and set_aside_rows(hub) == []


def test_json_nested_past_what_the_hub_can_read_is_a_400_not_a_500(hub):
    raw = hub_kiosk(hub, "Belleville")
    answer = raw.send(gzip.compress(b'{"v":1,"events":[' + b"[" * 100_000 + b"]" * 100_000 + b"]}"))
    assert answer.status_code == 400 and answer.json()["error"] == "malformed"


def test_a_value_the_hubs_database_cannot_hold_is_set_aside_and_the_rest_is_stored(hub):
    """PostgreSQL's integer columns stop at 2**31 − 1 (SQLite's do not): the batch is stored event by
    event, each in its own savepoint, and only the one it refuses is set aside."""
    raw = hub_kiosk(hub, "Belleville")
    huge = with_payload(2, step=2**40)
    answer = raw.batch([event(1), huge, event(3)])
    assert answer.status_code == 200, answer.text
    assert answer.json()["acked"] == {"1": 3}
    if hub.query(hub_db.is_postgres):
        assert answer.json()["stored"] == 2
        assert answer.json()["set_aside"] == [{"id": huge["id"], "epoch": 1, "seq": 2, "reason": "unstorable"}]
        assert "out of range" in set_aside_rows(hub)[0].detail
        assert hub.query(lambda: LessonState.get(LessonState.learner_uuid == AWA).step) == 3
    else:
        assert answer.json()["stored"] == 3 and answer.json()["set_aside"] == []
    assert raw.batch([event(4)]).json()["acked"] == {"1": 4}


def test_a_kiosk_of_another_centre_cannot_rename_erase_or_progress_someone_elses_learner(hub):
    home, other = hub_kiosk(hub, "Belleville"), hub_kiosk(hub, "Ménilmontant")
    created = make(1, "learner.created", {"name": "Awa", "picture": "sun", "prefs": {}}, 1000, learner=AWA)
    assert home.batch([created, make(2, "lesson.progressed", lesson(2), 2000, learner=AWA)]).status_code == 200
    attempts = [
        make(1, "learner.renamed", {"name": "Mallory"}, 5000, learner=AWA),
        make(2, "learner.prefs", {"prefs": {"language": "en"}}, 5001, learner=AWA),
        make(3, "lesson.completed", lesson(4, "completed", 900), 5002, learner=AWA),
        make(4, "quiz.attempted", {"attempt": str(uuid.uuid4()), "lesson": "basics-mouse", "course": "basics",
                                   "score": 3, "total": 3, "passed": True}, 5003, learner=AWA),
        make(5, "certificate.issued", {"code": "ABCD-EFGH", "course": "basics"}, 5004, learner=AWA),
        make(6, "learner.created", {"name": "Mallory", "picture": "moon"}, 5005, learner=AWA),
        make(7, "learner.erased", {}, 5006, learner=AWA),
    ]

    answer = other.batch(attempts).json()
    assert answer["acked"] == {"1": 7} and answer["stored"] == 0
    assert {(e["seq"], e["reason"]) for e in answer["set_aside"]} == {(s, "not_your_learner") for s in range(1, 8)}
    awa = hub.query(lambda: Learner.get_by_id(AWA))
    assert (awa.name, awa.prefs, awa.kiosk_id) == ("Awa", "{}", home.link.kiosk_id)
    assert hub.query(lambda: Erased.select().count()) == 0
    assert hub.query(lambda: (LessonState.get(LessonState.learner_uuid == AWA).step,
                              QuizAttempt.select().count())) == (2, 0)

    sibling = hub_kiosk(hub, "Belleville")                  # another kiosk of the same centre may
    assert sibling.batch([make(1, "learner.renamed", {"name": "Awa B."}, 6000, learner=AWA)]).json()["stored"] == 1
    assert hub.query(lambda: Learner.get_by_id(AWA).name) == "Awa B."

    zoe = str(uuid.UUID(int=8))                             # a learner the hub does not know yet is the first speaker's
    welcome = other.batch([make(8, "learner.created", {"name": "Zoé", "picture": "sun"}, 7000, learner=zoe)])
    assert welcome.json()["stored"] == 1 and welcome.json()["acked"] == {"1": 8}
    assert hub.query(lambda: Learner.get_by_id(zoe).kiosk_id) == other.link.kiosk_id


def test_an_event_the_hub_stored_before_the_rule_is_a_duplicate_when_resent(hub):
    """A hub upgraded from before the authority rule may hold events of one centre about another's learner:
    resent after a lost acknowledgement, they are duplicates, not set aside."""
    home, other = hub_kiosk(hub, "Belleville"), hub_kiosk(hub, "Ménilmontant")
    home.batch([make(1, "learner.created", {"name": "Awa"}, 1000, learner=AWA)])
    old = make(1, "learner.renamed", {"name": "Awa D."}, 2000, learner=AWA)
    places = hub.query(lambda: event_places.of(other.link.kiosk_id))
    claimed = hub.query(lambda: event_places.claim(places, [old]))                        # PostgreSQL's keys
    hub.query(lambda: Event.create(**({"row": claimed[old["id"]]} if claimed else {}), id=old["id"],
                                   kiosk=places.key, epoch=1, seq=1, learner_uuid=AWA, hlc=old["hlc"],
                                   type=old["type"], payload=checks.canonical(old["payload"]),
                                   received_at=time.time()))
    answer = other.batch([old]).json()
    assert (answer["duplicates"], answer["set_aside"], answer["acked"]) == (1, [], {"1": 1})
    assert other.batch([make(2, "learner.renamed", {"name": "Mallory"}, 3000, learner=AWA)]).json()["set_aside"]


def test_erasing_a_learner_empties_what_was_set_aside_about_them(hub):
    raw = hub_kiosk(hub, "Belleville")
    raw.batch([make(1, "learner.created", {"name": "Awa"}, 1000, learner=AWA),
               make(2, "learner.renamed", {"name": "Awa\x00 Diallo"}, 2000, learner=AWA)])
    assert "Diallo" in set_aside_rows(hub)[0].excerpt
    assert raw.batch([make(3, "learner.erased", {}, 3000, learner=AWA)]).json()["acked"] == {"1": 3}
    [row] = set_aside_rows(hub)
    assert (row.excerpt, row.learner_uuid, row.reason) == ("", None, "bad_text")
    late = raw.batch([make(4, "learner.renamed", {"name": "Awa\x00 again"}, 4000, learner=AWA)]).json()
    assert late["set_aside"][0]["reason"] == "bad_text" and set_aside_rows(hub)[1].excerpt == ""


def test_an_event_set_aside_keeps_its_id_and_place(hub):
    """A set-aside event holds its id and (epoch, seq) as a stored one does: reusing either is a conflict."""
    raw = hub_kiosk(hub, "Belleville")
    bad = with_payload(1, lesson="\x00")
    assert raw.batch([bad]).json()["acked"] == {"1": 1}
    assert raw.batch([event(1)]).status_code == 409                    # its sequence, by another event
    assert raw.batch([dict(event(2), id=bad["id"])]).status_code == 409  # its id, at another place
    assert raw.batch([event(2)]).json()["acked"] == {"1": 2}


def slip_into_outbox(event_type: str, learner: str | None, payload_json: str) -> str:
    """Write an event into the outbox past its checks, as a bug or an older kiosk could have."""
    with database.connection_context(), database.atomic():
        ident = outbox.identity()
        KioskIdentity.update(next_seq=ident.next_seq + 1).where(KioskIdentity.id == 1).execute()
        event_id = str(uuid.uuid4())
        database.execute_sql(
            "INSERT INTO outbox_event (uuid, epoch, seq, learner_uuid, hlc, type, payload, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [event_id, ident.epoch, ident.next_seq, learner, f"{int(time.time() * 1000):015d}-000000", event_type,
             payload_json, time.time()])
    return event_id


def poison_the_outbox(classroom) -> dict[str, str]:
    """Three learners' progress with four poisoned events among it; {event id: the reason expected}."""
    awa, bilal = classroom.join("Awa"), classroom.join("Bilal")
    classroom.study(awa, 4)
    poisoned = {
        slip_into_outbox("learner.renamed", awa, json.dumps({"name": "A\x00wa"})): "bad_text",
        slip_into_outbox("lesson.progressed", awa, json.dumps({"lesson": "x", "note": "é" * 9000})): "too_large",
    }
    classroom.study(bilal, 4)
    poisoned[slip_into_outbox("lesson.bookmarked", bilal, "{}")] = "unknown_type"
    poisoned[slip_into_outbox("learner.renamed", bilal, '{"name": "Bi\\ud800lal"}')] = "bad_text"
    classroom.study(awa, 3)
    classroom.study(classroom.join("Chen"), 3)
    return poisoned


def test_a_poisoned_outbox_syncs_to_its_end_and_every_later_event_reaches_the_hub(classroom, enrolled, hub):
    link, _ = enrolled
    poisoned = poison_the_outbox(classroom)
    outcome = Uploader(link, batch_size=4).push()                   # small batches: many of them flow

    assert outcome.ok and outcome.error is None and classroom.waiting() == 0
    assert outcome.set_aside == len(poisoned)
    assert sorted(hub.event_ids()) == sorted(set(classroom.outbox_ids()) - set(poisoned))
    assert {r.id: r.reason for r in set_aside_rows(hub)} == poisoned
    with database.connection_context():
        kept = {r.event_uuid: r.reason for r in state.SetAsideEvent.select()}
        assert kept == poisoned and state.set_aside_by_reason() == {"bad_text": 2, "too_large": 1, "unknown_type": 1}
    assert Uploader(link).push().ok                                 # nothing left, nothing stuck


@pytest.mark.parametrize("note", [
    lambda: secrets.token_hex(50_000),      # 100 KB that gzip halves at best: 50 of them pass 4 MB on the wire
    lambda: "x" * 400_000,                  # 400 KB that gzip crushes: 50 of them inflate past 16 MB at the hub
], ids=["too-big-to-send", "too-big-to-inflate"])
def test_a_batch_too_big_for_the_hub_is_split_until_it_passes(classroom, enrolled, hub, note):
    link, uploader = enrolled
    awa = classroom.join("Awa")
    huge = [slip_into_outbox("lesson.progressed", awa, json.dumps({"lesson": "x", "note": note()}))
            for _ in range(50)]
    classroom.study(awa, 3)
    outcome = uploader.push()
    assert outcome.ok and classroom.waiting() == 0 and outcome.set_aside == len(huge)
    assert {r.id for r in set_aside_rows(hub)} == set(huge) and {r.reason for r in set_aside_rows(hub)} == {"too_large"}
    assert sorted(hub.event_ids()) == sorted(set(classroom.outbox_ids()) - set(huge))


FRENCH = {
    "Records the hub set aside": "Enregistrements mis de côté par le hub",
    ("The hub set aside %(num)s record from this kiosk that it could not take:",
     "The hub set aside %(num)s records from this kiosk that it could not take:"):
        ("Le hub a mis de côté %(num)s enregistrement de cette borne qu’il ne pouvait pas prendre :",
         "Le hub a mis de côté %(num)s enregistrements de cette borne qu’il ne pouvait pas prendre :",
         "Le hub a mis de côté %(num)s enregistrements de cette borne qu’il ne pouvait pas prendre :"),
    "unreadable characters": "des caractères illisibles",
    "too large": "trop gros",
    "a kind of record the hub does not know (the hub may need an update)":
        "un type d’enregistrement que le hub ne connaît pas (le hub a peut-être besoin d’une mise à jour)",
    "The rest of the progress still reaches the hub: a record set aside does not hold up the others. The hub "
    "keeps these records for its administrator; nothing needs to be done on the kiosk.":
        "Le reste de la progression arrive bien au hub : un enregistrement mis de côté ne retient pas les "
        "autres. Le hub garde ces enregistrements pour son administrateur ; il n’y a rien à faire sur la borne.",
}


@pytest.fixture
def french_catalogue(kiosk, tmp_path):
    """The kiosk's French catalogue with this page's strings, as the merged catalogue holds them."""
    with open(ROOT / "locales" / "fr" / "LC_MESSAGES" / "messages.po", "rb") as source:
        catalogue = read_po(source, locale="fr")
    for msgid, msgstr in FRENCH.items():
        held = catalogue.get(msgid if isinstance(msgid, str) else msgid[0])
        if held is None or not held.string or held.fuzzy:
            catalogue.add(msgid, msgstr)
    folder = tmp_path / "locales" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as compiled:
        write_mo(compiled, catalogue)
    kiosk.extensions["babel"].translation_directories = [str(tmp_path / "locales")]


def test_the_kiosks_sync_page_says_how_many_records_were_set_aside_and_why(
        kiosk, staff, hub, classroom, french_catalogue):  # noqa: F811  (staff is a fixture)
    staff.post("/facilitator/sync/enroll", {"hub_url": hub.url, "code": hub.code()}, token_from="/facilitator/sync/")
    page = staff.client.get("/facilitator/sync/").get_data(as_text=True)
    assert "set aside" not in page                                   # nothing to say yet
    poison_the_outbox(classroom)
    staff.post("/facilitator/sync/now", token_from="/facilitator/sync/")
    kiosk.extensions["sync_once"].join(20)

    page = staff.client.get("/facilitator/sync/").get_data(as_text=True)
    assert "The hub set aside 4 records from this kiosk that it could not take:" in page
    assert "<li>unreadable characters: 2</li>" in page and "<li>too large: 1</li>" in page
    assert "a kind of record the hub does not know" in page
    assert "The rest of the progress still reaches the hub" in page
    assert "Records waiting to be sent</dt>\n  <dd>0</dd>" in page and 'role="alert"' not in page

    staff.client.set_cookie("lang", "fr")
    page = staff.client.get("/facilitator/sync/").get_data(as_text=True)
    assert "Le hub a mis de côté 4 enregistrements de cette borne" in page
    assert "<li>des caractères illisibles : 2</li>" in page or "<li>des caractères illisibles: 2</li>" in page
    assert "trop gros" in page and "Le reste de la progression arrive bien au hub" in page


def test_the_hub_lists_what_it_set_aside_and_counts_it_per_kiosk(hub):
    raw, quiet = hub_kiosk(hub, "Belleville"), hub_kiosk(hub, "Ménilmontant")
    raw.batch([event(1), with_payload(2, note="x" * protocol.MAX_PAYLOAD), with_payload(3, lesson="\x00")])
    quiet.batch([dict(event(1), learner=str(uuid.UUID(int=99)))])          # its own learner: taken
    hub.query(lambda: create_facilitator("Nadia", PASSWORD))
    assert requests.get(hub.url + "/set-aside", allow_redirects=False, timeout=10).status_code == 302
    browser = signed_in(hub)

    kiosks = browser.get(hub.url + "/", timeout=10).text
    assert "Set aside" in kiosks and f'href="/set-aside?kiosk={raw.link.kiosk_id}">2</a>' in kiosks
    listing = browser.get(hub.url + "/set-aside", timeout=10).text
    assert "too large" in listing and "unreadable characters" in listing and "Belleville" in listing
    assert "Record 1/2" in listing and "bytes" in listing and "\\u0000" in listing
    only = browser.get(hub.url + f"/set-aside?kiosk={quiet.link.kiosk_id}", timeout=10).text
    assert "No record has been set aside." in only


@pytest.mark.parametrize("body", [
    {"epochs": {"1": 2**70}}, {"epochs": {"99999999999": 1}}, {"epochs": {"1": 1, "01": 1}},
    {"epochs": {"1": True}}, {"epochs": ["1"]}, {"installation": 7}, {"installation": "pi\x00"},
], ids=["first-past-64-bits", "epoch-past-32-bits", "one-epoch-twice", "first-not-a-number", "not-a-map",
        "installation-not-text", "installation-with-nul"])
def test_an_enrolment_with_numbers_or_text_the_hub_cannot_keep_is_a_400_and_the_code_stays_valid(hub, body):
    code = hub.code("Belleville")
    answer = requests.post(hub.url + protocol.ENROLL_PATH, json=dict({"code": code}, **body), timeout=10)
    assert answer.status_code == 400, answer.text
    assert requests.post(hub.url + protocol.ENROLL_PATH, json={"code": code, "epochs": {"2": 5}},
                         timeout=10).status_code == 200


def test_a_batch_holding_a_number_of_5000_digits_is_a_400_not_a_500(hub):
    raw = hub_kiosk(hub, "Belleville")
    answer = raw.send(gzip.compress(b'{"v":1,"events":[],"pending":' + b"7" * 5000 + b"}"))
    assert answer.status_code == 400 and answer.json()["error"] == "malformed"


def test_a_signature_that_is_not_ascii_is_refused_not_a_500(hub):
    raw = hub_kiosk(hub, "Belleville")
    answer = raw.send(protocol.encode_batch([event(1)]), {protocol.H_SIG: "é" * 64})
    assert answer.status_code == 401 and hub.event_ids() == []


def test_the_set_aside_page_for_a_kiosk_id_that_cannot_be_one_is_404(hub):
    hub.query(lambda: create_facilitator("Nadia", PASSWORD))
    browser = signed_in(hub)
    assert browser.get(hub.url + "/set-aside?kiosk=%00", timeout=10).status_code == 404
    assert browser.get(hub.url + "/set-aside?kiosk=" + str(uuid.uuid4()), timeout=10).status_code == 200
