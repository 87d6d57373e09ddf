"""Bytes the kiosk sent and received per day, for the metered-link budget (sync/meter.py)."""
NUMBER = 5


def apply(db):
    db.execute_sql("CREATE TABLE transfer_day (day TEXT PRIMARY KEY, up INTEGER NOT NULL DEFAULT 0, "
                   "down INTEGER NOT NULL DEFAULT 0)")
