"""Events the hub set aside instead of merging them (sync/client/state.py): which, why and when."""
NUMBER = 6


def apply(db):
    db.execute_sql("CREATE TABLE set_aside_event (id INTEGER PRIMARY KEY, event_uuid TEXT NOT NULL, "
                   "epoch INTEGER NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, reason TEXT NOT NULL, "
                   "recorded_at REAL NOT NULL)")
    db.execute_sql("CREATE UNIQUE INDEX set_aside_event_event_uuid ON set_aside_event (event_uuid)")
