"""Server-side facilitator sessions and kiosk settings edited from the facilitator's page."""
NUMBER = 2

STATEMENTS = """
CREATE TABLE facilitator_session (
    token_hash TEXT PRIMARY KEY,
    facilitator_id INTEGER NOT NULL REFERENCES facilitator (id) ON DELETE CASCADE,
    created_at REAL NOT NULL, last_seen REAL NOT NULL);
CREATE TABLE kiosk_setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def apply(db):
    for statement in STATEMENTS.split(";"):
        if statement.strip():
            db.execute_sql(statement)
