"""The first schema: catalogue, learners, progress, quiz attempts, facilitators, kiosk identity, outbox."""
NUMBER = 1

STATEMENTS = """
CREATE TABLE course (
    id TEXT PRIMARY KEY, folder TEXT NOT NULL, position INTEGER NOT NULL, language TEXT NOT NULL,
    cover TEXT, completion TEXT NOT NULL, texts TEXT NOT NULL, fingerprint TEXT NOT NULL);
CREATE TABLE lesson (
    key TEXT PRIMARY KEY, course_id TEXT NOT NULL REFERENCES course (id) ON DELETE CASCADE,
    slug TEXT NOT NULL, position INTEGER NOT NULL, duration INTEGER, source TEXT NOT NULL,
    fingerprint TEXT NOT NULL);
CREATE UNIQUE INDEX lesson_course_slug ON lesson (course_id, slug);
CREATE TABLE lesson_version (
    id INTEGER PRIMARY KEY, lesson_id TEXT NOT NULL REFERENCES lesson (key) ON DELETE CASCADE,
    language TEXT NOT NULL, title TEXT NOT NULL, objectives TEXT NOT NULL, level TEXT NOT NULL,
    tags TEXT NOT NULL, steps TEXT NOT NULL, quiz TEXT, audio TEXT, source TEXT NOT NULL);
CREATE UNIQUE INDEX lesson_version_lesson_language ON lesson_version (lesson_id, language);
CREATE VIRTUAL TABLE lesson_search USING fts5(
    title, body, version_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');
CREATE TABLE content_file (
    path TEXT PRIMARY KEY, problems TEXT NOT NULL, skipped INTEGER NOT NULL);
CREATE TABLE learner (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, picture TEXT NOT NULL,
    pin_hash TEXT, prefs TEXT NOT NULL, created_at REAL NOT NULL, last_active REAL NOT NULL,
    failed_pins INTEGER NOT NULL DEFAULT 0, locked_until REAL NOT NULL DEFAULT 0,
    last_lesson TEXT);
CREATE TABLE learner_session (
    token_hash TEXT PRIMARY KEY, learner_id INTEGER NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    created_at REAL NOT NULL, last_seen REAL NOT NULL);
CREATE TABLE progress (
    id INTEGER PRIMARY KEY, learner_id INTEGER NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    lesson_key TEXT NOT NULL, course_id TEXT NOT NULL, status TEXT NOT NULL, step INTEGER NOT NULL,
    steps_total INTEGER NOT NULL, time_spent INTEGER NOT NULL, first_seen REAL NOT NULL,
    last_seen REAL NOT NULL, completed_at REAL, with_help INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX progress_learner_lesson ON progress (learner_id, lesson_key);
CREATE TABLE quiz_attempt (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,
    learner_id INTEGER NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    lesson_key TEXT NOT NULL, course_id TEXT NOT NULL, answers TEXT NOT NULL, results TEXT NOT NULL,
    score INTEGER NOT NULL, total INTEGER NOT NULL, passed INTEGER NOT NULL,
    with_help INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL);
CREATE INDEX quiz_attempt_learner ON quiz_attempt (learner_id, lesson_key);
CREATE TABLE facilitator (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
    created_at REAL NOT NULL, failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0);
CREATE TABLE kiosk_identity (
    id INTEGER PRIMARY KEY CHECK (id = 1), kiosk_id TEXT NOT NULL, epoch INTEGER NOT NULL,
    next_seq INTEGER NOT NULL, hlc_wall INTEGER NOT NULL, hlc_counter INTEGER NOT NULL);
CREATE TABLE outbox_event (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,
    learner_uuid TEXT, hlc TEXT NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,
    created_at REAL NOT NULL, sent_at REAL);
CREATE UNIQUE INDEX outbox_event_epoch_seq ON outbox_event (epoch, seq);
CREATE INDEX outbox_event_unsent ON outbox_event (sent_at, epoch, seq);
"""


def apply(db):
    for statement in STATEMENTS.split(";"):
        if statement.strip():
            db.execute_sql(statement)
