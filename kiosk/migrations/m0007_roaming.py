"""Cards that travel between the kiosks of a network (docs/sync-protocol.md §13).

A learner row says where the card came from (`origin`: the centre of the kiosk that made it; null when
made here), whether it stays on this kiosk only, and the HLC of each field group last received from the
hub. `roaming_state` holds the cursor into the hub's card changes (sync/client/roaming.py).
"""
NUMBER = 7

STATEMENTS = """
ALTER TABLE learner ADD COLUMN origin TEXT;
ALTER TABLE learner ADD COLUMN local_only INTEGER NOT NULL DEFAULT 0;
ALTER TABLE learner ADD COLUMN name_hlc TEXT NOT NULL DEFAULT '';
ALTER TABLE learner ADD COLUMN prefs_hlc TEXT NOT NULL DEFAULT '';
ALTER TABLE learner ADD COLUMN pin_hlc TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_event_learner_type ON outbox_event (learner_uuid, type);
CREATE TABLE roaming_state (
    id INTEGER PRIMARY KEY CHECK (id = 1), cursor TEXT NOT NULL DEFAULT '0', status TEXT, checked_at REAL,
    cards_received INTEGER NOT NULL DEFAULT 0, bytes_down INTEGER NOT NULL DEFAULT 0,
    announced INTEGER NOT NULL DEFAULT 0)
"""


def apply(db):
    for statement in STATEMENTS.split(";"):
        if statement.strip():
            db.execute_sql(statement)
