"""The events table on PostgreSQL (migrations 11, 14 and 15): monthly partitions made ahead by the hub,
duplicate detection that holds across them, even once an old month's partition has left the database, and
what an event costs on disk."""
from __future__ import annotations

import time

import pytest

from sync.hub import auth, ingest, partitions
from sync.hub import db as hub_db
from sync.hub.models import Event
from sync.wire import checks
from tests.sync_tests.conftest import POSTGRES_URL, reset_postgres
from tests.sync_tests.test_hub_refuses import event

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="set RELAIS_TEST_POSTGRES to run the hub on PostgreSQL")

JANUARY, MARCH = 1799020800.0, 1804118400.0          # 2027-01-04 and 2027-03-04, UTC


@pytest.fixture
def kiosk():
    reset_postgres(POSTGRES_URL)
    hub_db.open_database(POSTGRES_URL)
    with hub_db.database.connection_context():
        yield auth.enroll(auth.new_enroll_code("Belleville"), None, {})
    hub_db.database.obj.close_all()


def sql(query: str) -> list[tuple]:
    return hub_db.database.execute_sql(query).fetchall()


def partition_of(event_id: str) -> str:
    return sql(f"SELECT tableoid::regclass::text FROM event WHERE id = '{event_id}'")[0][0]


def test_the_hub_makes_this_months_partition_and_the_next_ones_ahead(kiosk):
    made = {name for (name,) in sql("SELECT relid::text FROM pg_partition_tree('event') WHERE isleaf")}
    months = {partitions.name(partitions.month_start(time.time(), plus)) for plus in range(partitions.AHEAD + 1)}
    assert months | {"event_default"} <= made
    ingest.ingest(kiosk, {"events": [event(1)]}, now=MARCH + 90 * 86400)     # a batch in June 2027
    assert "event_y2027m08" in {name for (name,) in sql("SELECT relid::text FROM pg_partition_tree('event')")}


def test_a_batch_resent_a_month_later_is_a_duplicate_though_it_lands_in_another_partition(kiosk):
    first, second = event(1), event(2)
    assert ingest.ingest(kiosk, {"events": [first]}, now=JANUARY).stored == 1
    again = ingest.ingest(kiosk, {"events": [first, second]}, now=MARCH)
    assert (again.stored, again.duplicates, again.acked) == (1, 1, {1: 2})
    assert (partition_of(first["id"]), partition_of(second["id"])) == ("event_y2027m01", "event_y2027m03")
    assert sql("SELECT count(*) FROM event") == [(2,)] and sql("SELECT count(*) FROM event_seen") == [(2,)]


def test_another_event_in_a_place_held_last_month_is_a_conflict_not_a_second_event(kiosk):
    ingest.ingest(kiosk, {"events": [event(1)]}, now=JANUARY)
    with pytest.raises(ingest.Conflict, match="already used"):
        ingest.ingest(kiosk, {"events": [event(1)]}, now=MARCH)
    assert sql("SELECT count(*) FROM event") == [(1,)]


def test_an_event_whose_month_was_archived_is_still_a_duplicate_when_resent(kiosk):
    old = event(1)
    ingest.ingest(kiosk, {"events": [old]}, now=JANUARY)
    hub_db.database.execute_sql("ALTER TABLE event DETACH PARTITION event_y2027m01")   # exported, then archived
    hub_db.database.execute_sql("DROP TABLE event_y2027m01")
    again = ingest.ingest(kiosk, {"events": [old, event(2)]}, now=MARCH)
    assert (again.stored, again.duplicates, again.acked) == (1, 1, {1: 2})


def test_an_event_keeps_no_digest_and_its_partition_no_index_on_its_id(kiosk):
    """Migration 14: event_seen's unique id finds an event, and gives its row, which the partitions index."""
    sent = [event(1), event(2)]
    ingest.ingest(kiosk, {"events": sent})
    month = partitions.name(partitions.month_start(time.time()))
    columns = {c for (c,) in sql("SELECT attname FROM pg_attribute WHERE attrelid = 'event'::regclass AND attnum > 0 "
                                 "AND NOT attisdropped")}
    assert columns == {"row", "seq", "received_at", "epoch", "id", "learner_uuid", "kiosk", "hlc", "type", "payload"}
    indexed = sql(f"SELECT a.attname FROM pg_index AS i JOIN pg_attribute AS a ON a.attrelid = i.indrelid "
                  f"AND a.attnum = ANY(i.indkey) WHERE i.indrelid = '{month}'::regclass")
    assert sorted(indexed) == [("learner_uuid",), ("row",)]
    assert sql('SELECT count(*) FROM event_seen AS s JOIN event AS e ON e."row" = s."row" AND e.id = s.id') == [(2,)]


def test_a_type_and_payload_are_kept_short_and_read_back_as_the_kiosk_sent_them(kiosk):
    sent = event(1)
    ingest.ingest(kiosk, {"events": [sent]})
    assert sql("SELECT type, payload FROM event") == [("~0", '~0:"basics","basics-mouse","started",1,9,10,false')]
    held = Event.get((Event.id == sent["id"]) & (Event.type == "lesson.progressed"))
    assert (held.type, held.payload) == ("lesson.progressed", checks.canonical(sent["payload"]))


def test_an_event_keeps_its_kiosk_as_a_number_and_its_clock_in_ten_bytes_and_reads_back_as_sent(kiosk):
    """Migration 15: 4 bytes for the kiosk instead of its 36-character id, 10 for the clock instead of 22."""
    other = auth.enroll(auth.new_enroll_code("Belleville"), None, {})
    sent = event(1, hlc="001799020800123-000042")
    ingest.ingest(kiosk, {"events": [sent]})
    ingest.ingest(other, {"events": [event(1)]})
    numbers = dict(sql("SELECT kiosk_id, number FROM kiosk_number"))
    assert sorted(numbers) == sorted([kiosk.id, other.id]) and len(set(numbers.values())) == 2
    assert sql(f"SELECT kiosk, octet_length(hlc) FROM event WHERE id = '{sent['id']}'") == [(numbers[kiosk.id], 10)]
    assert Event.get(Event.id == sent["id"]).hlc == "001799020800123-000042"
    again = ingest.ingest(kiosk, {"events": [sent]})                  # a resend is compared with what is read back
    assert (again.stored, again.duplicates) == (0, 1)
    with pytest.raises(ingest.Conflict, match="other content"):
        ingest.ingest(kiosk, {"events": [dict(sent, hlc="001799020800123-000043")]})


def test_an_event_costs_under_400_bytes_on_disk(kiosk):
    """Rows, indexes and event_seen over 10,000 events of 20 kiosks, with the empty months made ahead: 360
    bytes after migration 15, 416 after 14, about 578 with version 13's layout (docs/hub-storage.md has the
    bench's figures)."""
    kiosks = [kiosk] + [auth.enroll(auth.new_enroll_code("Belleville"), None, {}) for _ in range(19)]
    for one in kiosks:
        ingest.ingest(one, {"events": [event(seq) for seq in range(1, 501)]})
    size = sql("SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('event')")[0][0] + \
        sql("SELECT pg_total_relation_size('event_seen') + pg_total_relation_size('kiosk_number')")[0][0]
    assert sql("SELECT count(*) FROM event") == [(10_000,)]
    assert size / 10_000 < 400
