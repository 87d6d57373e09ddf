"""The hub's numbered migrations, on SQLite and PostgreSQL: a new hub, hubs made by every earlier
version before the version record existed (with rows that must survive), a second run, two hubs
starting at once, a failed migration, and schemas the hub must refuse."""
from __future__ import annotations

import json
import pkgutil
import re
import threading
import time

import peewee
import pytest

from sync.hub import db as hub_db
from sync.hub import event_forms, event_places, ingest, migrations, scopes, xapi
from sync.hub.migrations import (m0001_initial, m0005_double_timestamps, m0011_event_storage,
                                 m0012_name_search_and_statement_ids, m0014_compact_events,
                                 m0015_kiosk_numbers_and_clocks)
from sync.hub.migrations.frozen import create_tables
from sync.hub.models import MODELS, Event, Facilitator, Kiosk, KioskContent, KioskNumber, Learner, Publication
from sync.wire import checks, protocol
from tests.sync_tests.conftest import BACKENDS, POSTGRES_URL, reset_postgres
from tests.sync_tests.test_hub_refuses import event

LATEST = migrations.latest()
_TODAY: dict[str, dict] = {}       # today's schema per backend, made once


class Place:
    """Where a hub keeps its database (a PostgreSQL URL or a data folder) and a connection of our own."""

    def __init__(self, backend: str, tmp_path):
        self.backend, self.tmp_path = backend, tmp_path
        self.url = POSTGRES_URL if backend == "postgresql" else None
        self.data_dir = tmp_path / "hub"
        self.db = self.connect()

    def connect(self):
        """Another database object on the same storage, as a second hub process would have."""
        return hub_db.connect(self.url, self.data_dir)

    def empty(self) -> None:
        if self.url:
            reset_postgres(self.url)


@pytest.fixture(params=BACKENDS)
def place(request, tmp_path):
    """An empty place for a hub's database, on each backend."""
    where = Place(request.param, tmp_path)
    where.empty()
    if request.param not in _TODAY:
        _TODAY[request.param] = todays_schema(where)
    with where.db.connection_context():
        yield where
    where.db.close_all()
    where.empty()


# Event ids are uuids (a PostgreSQL hub keeps them as such since migration 11).
E1, E2 = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"


def todays_schema(place: Place) -> dict:
    """The schema today's models make with create_tables: what every migrated hub must end with.

    On PostgreSQL, migrations 11, 14 and 15 then make the partitioned events table (from the events table as
    migration 1 made it) and migration 12 indexes names by trigrams, which no model can say."""
    db = hub_db.connect(None, place.tmp_path / "today") if not place.url else place.db
    models = [m for m in MODELS if m is not Event] + ([m0001_initial.Event] if place.url else [Event])
    with db.bind_ctx(models):
        db.create_tables(models)
        with db.atomic():
            m0011_event_storage.apply(db)
            if place.url:
                m0014_compact_events.apply(db)
                m0015_kiosk_numbers_and_clocks.apply(db)
            m0012_name_search_and_statement_ids.name_search(db)     # a trigram index, on PostgreSQL
        found = schema(db)
    if place.url:
        reset_postgres(place.url)
    else:
        db.close_all()
    return found


def schema(db) -> dict:
    """Every hub table's columns, indexes, foreign keys and primary key, as the database has them. Columns are
    compared as a set: nothing in the hub reads them by position, and models share columns through base classes."""
    found = {}
    for table in sorted(set(db.get_tables()) - {migrations.VERSION_TABLE}):
        if re.fullmatch(r"event_y\d{4}m\d{2}", table):      # the months that hold events (test_hub_storage.py)
            continue
        columns = sorted((c.name, c.data_type.lower(), c.null, c.primary_key, c.default or "")
                         for c in db.get_columns(table))
        indexes = sorted((i.name, tuple(i.columns), i.unique) for i in db.get_indexes(table))
        foreign = sorted((f.column, f.dest_table, f.dest_column) for f in db.get_foreign_keys(table))
        found[table] = {"columns": columns, "indexes": indexes, "foreign keys": foreign,
                        "primary key": db.get_primary_keys(table)}
    return found


def make_old_hub(db, version: int) -> None:
    """A hub as `create_tables` made it at `version`, from the frozen models, with a few rows."""
    models = {model._meta.table_name: model for model in migrations.frozen_models(version)}
    create_tables(db, list(models.values()))
    lockout = {"failed_logins": 2, "locked_until": 50.0} if version >= 2 else {}
    with db.bind_ctx(models.values()), db.atomic():
        models["facilitator"].create(name="Amina", password_hash="pbkdf2:x", created_at=10.0, **lockout)
        models["kiosk"].create(id="k-belleville", centre="Belleville", secret="s3cret", enrolled_at=11.0)
        models["event"].create(id=E1, kiosk_id="k-belleville", epoch=1, seq=1, digest="d1", hlc="0001",
                               type="progress.step", payload="{}", received_at=12.0)
        models["learner"].create(uuid="u-ali", kiosk_id="k-belleville", name="Ali")
        if version >= 3:
            models["publication"].create(pack_id="basics", version=2, manifest="{}", signature="sig", key="fp",
                                         files=3, bytes=900, blobs="{}", published_at=13.0)
        if version >= 4:
            models["kiosk_content"].create(kiosk_id="k-belleville", installed="basics.v2", asked_at=14.0)


def open_hub(place: Place):
    """Open the place as today's hub does at start-up."""
    return hub_db.open_database(place.url, place.data_dir)


def test_a_new_hub_is_migrated_to_exactly_todays_models(place):
    assert migrations.current_version(place.db) == 0
    assert migrations.migrate_to_latest(place.db) == LATEST
    assert migrations.recorded_version(place.db) == LATEST
    assert schema(place.db) == _TODAY[place.backend]


@pytest.mark.parametrize("version", range(1, migrations.LAST_UNRECORDED + 1))
def test_a_hub_made_before_migrations_is_adopted_at_its_version_and_keeps_its_rows(place, version):
    make_old_hub(place.db, version)
    assert migrations.recorded_version(place.db) is None
    assert migrations.current_version(place.db) == version       # detected from its tables and columns

    open_hub(place)
    with hub_db.database.connection_context():
        facilitator = Facilitator.get(Facilitator.name == "Amina")
        assert (facilitator.failed_logins, facilitator.locked_until) == ((2, 50.0) if version >= 2 else (0, 0))
        assert Kiosk.get_by_id("k-belleville").secret == "s3cret"
        assert Learner.get_by_id("u-ali").name == "Ali"
        assert [(e.row, e.id, e.hlc) for e in Event.select()] == [(1, E1, "0001")]   # a clock of its time
        number = KioskNumber.get(KioskNumber.kiosk_id == "k-belleville").number
        Event.create(id=E2, kiosk=number, epoch=1, seq=2, hlc="0002", type="progress.step", received_at=15.0)
        assert Event.get(Event.id == E2).row == 2             # arrival order goes on where it was
        assert Publication.select().count() == (1 if version >= 3 else 0)
        assert KioskContent.select().count() == (1 if version >= 4 else 0)
    assert migrations.recorded_version(place.db) == LATEST
    assert schema(place.db) == _TODAY[place.backend]


def test_a_time_of_today_is_kept_to_the_millisecond_on_an_old_hub_once_migrated(place):
    """Version 4 made timestamps REAL, which PostgreSQL keeps in four bytes (to 128 s near 1.8e9)."""
    make_old_hub(place.db, 4)
    open_hub(place)
    now = 1_796_000_123.456
    with hub_db.database.connection_context():
        Facilitator.update(locked_until=now).where(Facilitator.name == "Amina").execute()
        assert Facilitator.get(Facilitator.name == "Amina").locked_until == pytest.approx(now, abs=1e-3)
        Kiosk.update(last_seen=now).execute()
        assert Kiosk.get_by_id("k-belleville").last_seen == pytest.approx(now, abs=1e-3)


def test_migrating_again_changes_nothing(place):
    make_old_hub(place.db, 1)
    migrations.migrate_to_latest(place.db)
    before = schema(place.db)
    rows = place.db.execute_sql("SELECT name, failed_logins FROM facilitator").fetchall()

    assert migrations.migrate_to_latest(place.db) == LATEST
    open_hub(place)
    assert schema(place.db) == before
    assert place.db.execute_sql("SELECT name, failed_logins FROM facilitator").fetchall() == rows
    assert place.db.execute_sql(f"SELECT COUNT(*) FROM {migrations.VERSION_TABLE}").fetchone()[0] == 1


def test_two_hubs_starting_at_once_on_a_new_database_migrate_it_once(place):
    """Each hub process migrates under a lock and re-reads the version: the second finds nothing to do."""
    databases = [place.connect() for _ in range(2)]
    start, reached, errors = threading.Barrier(2), [], []

    def start_hub(db):
        start.wait()
        try:
            with db.connection_context():
                reached.append(migrations.migrate_to_latest(db))
        except Exception as error:          # reported below, with the other hub's result
            errors.append(error)
        finally:
            db.close_all()

    threads = [threading.Thread(target=start_hub, args=(db,)) for db in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and reached == [LATEST, LATEST]
    assert schema(place.db) == _TODAY[place.backend]


def test_a_migration_that_fails_is_rolled_back_whole_with_its_version(place):
    """A hub at version 1 where someone already added `locked_until` by hand: the second migration adds
    `failed_logins`, then fails on `locked_until`; neither the column it added nor its number remain."""
    make_old_hub(place.db, 1)
    place.db.execute_sql("ALTER TABLE facilitator ADD COLUMN locked_until REAL")
    assert migrations.current_version(place.db) == 1

    with pytest.raises(Exception, match="(?i)locked_until"):
        migrations.migrate_to_latest(place.db)
    assert migrations.recorded_version(place.db) == 1                # the adoption stays; m0002 did not happen
    columns = [c.name for c in place.db.get_columns("facilitator")]
    assert columns == ["id", "name", "password_hash", "created_at", "locked_until"]
    assert not place.db.table_exists("publication")


def test_a_database_with_hub_tables_of_no_known_schema_is_refused_untouched(place):
    place.db.execute_sql("CREATE TABLE event (id TEXT PRIMARY KEY)")

    with pytest.raises(migrations.UnknownSchema, match="missing since version 1: setting, facilitator"):
        open_hub(place)
    assert sorted(place.db.get_tables()) == ["event"]


def test_a_hub_database_from_a_newer_relais_is_refused(place):
    migrations.migrate_to_latest(place.db)
    place.db.execute_sql(f"UPDATE {migrations.VERSION_TABLE} SET version = {LATEST + 1}")

    with pytest.raises(migrations.UnknownSchema, match=f"version {LATEST + 1}, newer"):
        open_hub(place)
    assert schema(place.db) == _TODAY[place.backend]


def test_the_migrations_are_numbered_1_to_n_like_their_files():
    files = sorted(m.name for m in pkgutil.iter_modules(migrations.__path__) if re.fullmatch(r"m\d{4}_\w+", m.name))
    listed = [module.__name__.rpartition(".")[2] for module in migrations.available()]
    assert listed == files
    assert [module.NUMBER for module in migrations.available()] == list(range(1, len(files) + 1))
    assert all(int(name[1:5]) == number for name, number in zip(files, range(1, len(files) + 1)))


def test_the_double_precision_migration_names_every_timestamp_of_version_4():
    floats = {(model._meta.table_name, field.column_name) for model in migrations.frozen_models(4)
              for field in model._meta.sorted_fields if type(field) is peewee.FloatField}
    assert set(m0005_double_timestamps.COLUMNS) == floats


# A hub left at version 13 with events (migration 14 drops the digest, keeps payloads positionally, and on
# PostgreSQL gives event_seen each event's row and makes the events table again without its id index).
LAST_JANUARY = 1768435200.0          # 2026-01-15 UTC: a month with no partition made ahead at version 13


def at_version(db, version: int) -> None:
    """A new hub brought by its migrations to `version` exactly, as a hub of that Relais left it."""
    migrations._adopt(db, 0)
    for module in migrations.available():
        if module.NUMBER <= version:
            with db.atomic():
                module.apply(db)
                db.execute_sql(f"UPDATE {migrations.VERSION_TABLE} SET version = {module.NUMBER}")


def store_as_at_13(db, kiosk_id: str, events: list[dict], received_at: float, erased: bool = False) -> None:
    """The rows ingest wrote at version 13: the digest in the events table, the places in event_seen."""
    postgres = isinstance(db, peewee.PostgresqlDatabase)
    mark = db.param
    for e in events:
        payload = None if erased else checks.canonical(e["payload"])
        digest = "" if erased else protocol.event_digest(e, payload)
        db.execute_sql(f'INSERT INTO "event" (id, kiosk_id, epoch, seq, digest, learner_uuid, hlc, type, payload, '
                       f'received_at) VALUES ({", ".join([mark] * 10)})',
                       [e["id"], kiosk_id, e["epoch"], e["seq"], bytes.fromhex(digest) if postgres else digest,
                        None if erased else e["learner"], e["hlc"], e["type"], payload, received_at])
        if postgres:
            db.execute_sql("INSERT INTO kiosk_number (kiosk_id) VALUES (%s) ON CONFLICT DO NOTHING", [kiosk_id])
            db.execute_sql("INSERT INTO event_seen (kiosk, epoch, seq, id) SELECT number, %s, %s, %s FROM kiosk_number "
                           "WHERE kiosk_id = %s", [e["epoch"], e["seq"], e["id"], kiosk_id])


def store_as_at_14(db, kiosk_id: str, events: list[dict], received_at: float) -> None:
    """The rows ingest wrote at version 14: the kiosk's id and the clock's text in the events table; on
    PostgreSQL each event's place and row in event_seen first."""
    postgres = isinstance(db, peewee.PostgresqlDatabase)
    columns = ["id", "kiosk_id", "epoch", "seq", "learner_uuid", "hlc", "type", "payload", "received_at"]
    for e in events:
        row = []
        if postgres:
            db.execute_sql("INSERT INTO kiosk_number (kiosk_id) VALUES (%s) ON CONFLICT DO NOTHING", [kiosk_id])
            row = list(db.execute_sql('INSERT INTO event_seen (kiosk, epoch, seq, id) SELECT number, %s, %s, %s '
                                      'FROM kiosk_number WHERE kiosk_id = %s RETURNING "row"',
                                      [e["epoch"], e["seq"], e["id"], kiosk_id]).fetchone())
        named = columns + (['"row"'] if postgres else [])
        db.execute_sql(f'INSERT INTO "event" ({", ".join(named)}) VALUES ({", ".join([db.param] * len(named))})',
                       [e["id"], kiosk_id, e["epoch"], e["seq"], e["learner"], e["hlc"],
                        event_forms.type_code(e["type"]), event_forms.compact(checks.canonical(e["payload"])),
                        received_at, *row])


def stored_events(db, version: int = LATEST) -> list[tuple]:
    """(row, id, kiosk id, epoch, seq, learner, clock, type, payload, received_at) of each event as `version`
    keeps them; from version 15 the kiosk's id through its number and the clock's text from its bytes."""
    if version < 15:
        return [tuple(r) for r in db.execute_sql(
            'SELECT "row", id, kiosk_id, epoch, seq, learner_uuid, hlc, type, payload, received_at FROM "event" '
            'ORDER BY "row"').fetchall()]
    return [(*r[:6], event_forms.clock_text(r[6]), *r[7:]) for r in db.execute_sql(
        'SELECT e."row", e.id, n.kiosk_id, e.epoch, e.seq, e.learner_uuid, e.hlc, e.type, e.payload, e.received_at '
        'FROM "event" AS e JOIN kiosk_number AS n ON n.number = e.kiosk ORDER BY e."row"').fetchall()]


def test_a_hub_left_at_version_13_with_events_reads_them_the_same_once_migrated(place):
    at_version(place.db, 13)
    lesson, erased, old = event(1), event(2), event(3)
    quiz = event(4, type="quiz.attempted", payload={"attempt": "a-1", "lesson": "l", "course": "basics", "score": 1,
                                                    "total": 2, "passed": False, "with_help": False,
                                                    "answers": {"1": ["b"]}, "correct": [True, False]})
    now = time.time()
    store_as_at_13(place.db, "k-belleville", [lesson, quiz], now)
    store_as_at_13(place.db, "k-belleville", [erased], now, erased=True)
    store_as_at_13(place.db, "k-belleville", [old], LAST_JANUARY)
    before = stored_events(place.db, 13)

    open_hub(place)
    with hub_db.database.connection_context():
        assert migrations.recorded_version(hub_db.database.obj) == LATEST
        assert [(*r[:7], event_forms.type_name(r[7]), event_forms.expand(r[8]), r[9])
                for r in stored_events(hub_db.database)] == before
        assert {r[7] for r in stored_events(hub_db.database)} == {"~0", "~2"}       # the types held, as codes
        assert [(e.id, json.loads(e.payload) if e.payload else None) for e in Event.select().order_by(Event.row)] == \
            [(lesson["id"], lesson["payload"]), (quiz["id"], quiz["payload"]), (erased["id"], None),
             (old["id"], old["payload"])]
        assert sorted(event_places.rows([quiz["id"], old["id"]])) == [before[1][0], before[3][0]]
        kiosk = Kiosk.create(id="k-belleville", centre="Belleville", secret="s", enrolled_at=1.0)
        again = ingest.ingest(kiosk, {"events": [lesson, quiz, erased, old, event(5)]})
        assert (again.stored, again.duplicates, again.acked) == (1, 4, {1: 5})
        with pytest.raises(ingest.Conflict, match="other content"):
            ingest.ingest(kiosk, {"events": [dict(old, payload=dict(old["payload"], step=8))]})
        assert Event.get(Event.id == old["id"]).payload == checks.canonical(old["payload"])
    assert schema(place.db) == _TODAY[place.backend]
    if place.url:
        months = {n for (n,) in place.db.execute_sql("SELECT relid::text FROM pg_partition_tree('event')").fetchall()}
        assert "event_y2026m01" in months and not any(n.endswith("_before_14") for n in months)
        assert place.db.execute_sql("SELECT tableoid::regclass::text FROM event WHERE id = %s",
                                    [old["id"]]).fetchone() == ("event_y2026m01",)


def test_a_hub_left_at_version_14_with_events_reads_them_the_same_once_migrated(place):
    """Migration 15: each event's kiosk becomes its number and its clock 10 bytes, on both databases."""
    at_version(place.db, 14)
    lesson, quiz = event(1), event(2, type="quiz.attempted", payload={
        "attempt": "a-1", "lesson": "l", "course": "basics", "score": 1, "total": 2, "passed": False,
        "with_help": False, "answers": {"1": ["b"]}, "correct": [True, False]})
    elsewhere = event(1)
    store_as_at_14(place.db, "k-belleville", [lesson, quiz], time.time())
    store_as_at_14(place.db, "k-menilmontant", [elsewhere], LAST_JANUARY)      # a kiosk the hub no longer lists
    before = stored_events(place.db, 14)

    open_hub(place)
    with hub_db.database.connection_context():
        assert migrations.recorded_version(hub_db.database.obj) == LATEST
        assert stored_events(hub_db.database) == before
        assert [(e.id, e.hlc) for e in Event.select().order_by(Event.row)] == \
            [(lesson["id"], lesson["hlc"]), (quiz["id"], quiz["hlc"]), (elsewhere["id"], elsewhere["hlc"])]
        statements, _ = xapi.page("https://hub.example", scopes.NATIONAL)
        kiosks = {s["context"]["extensions"]["https://hub.example/xapi/extensions/kiosk"] for s in statements}
        assert len(statements) == 5 and kiosks == {"k-belleville", "k-menilmontant"}
        kiosk = Kiosk.create(id="k-belleville", centre="Belleville", secret="s", enrolled_at=1.0)
        again = ingest.ingest(kiosk, {"events": [lesson, quiz, event(3)]})
        assert (again.stored, again.duplicates, again.acked) == (1, 2, {1: 3})
        with pytest.raises(ingest.Conflict, match="from elsewhere"):
            ingest.ingest(kiosk, {"events": [dict(elsewhere, seq=4)]})
        with pytest.raises(ingest.Conflict, match="other content"):
            ingest.ingest(kiosk, {"events": [dict(lesson, hlc=f"{1732800000000:015d}-000009")]})
    assert schema(place.db) == _TODAY[place.backend]
