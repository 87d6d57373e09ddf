"""Sync state on the kiosk: the last attempt and success, bytes sent, the last error, and receipts."""
NUMBER = 3

STATEMENTS = """
CREATE TABLE sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1), last_attempt REAL, last_success REAL,
    bytes_sent INTEGER NOT NULL DEFAULT 0, events_sent INTEGER NOT NULL DEFAULT 0,
    last_error TEXT, last_error_detail TEXT, last_error_at REAL, last_status INTEGER,
    failures INTEGER NOT NULL DEFAULT 0);
CREATE TABLE sync_receipt (
    id INTEGER PRIMARY KEY, session REAL NOT NULL, sent_at REAL NOT NULL, epoch INTEGER NOT NULL,
    first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, events INTEGER NOT NULL, bytes INTEGER NOT NULL,
    acked TEXT NOT NULL, stored INTEGER NOT NULL, duplicates INTEGER NOT NULL, hub_time REAL,
    hub_signature TEXT NOT NULL);
CREATE INDEX sync_receipt_session ON sync_receipt (session);
"""


def apply(db):
    for statement in STATEMENTS.split(";"):
        if statement.strip():
            db.execute_sql(statement)
