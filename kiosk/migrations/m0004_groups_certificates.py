"""Groups of learners (workshops), the courses assigned to them, attendance, and issued certificates."""
NUMBER = 4

STATEMENTS = """
CREATE TABLE learner_group (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at REAL NOT NULL);
CREATE TABLE group_member (
    group_id INTEGER NOT NULL REFERENCES learner_group (id) ON DELETE CASCADE,
    learner_id INTEGER NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, learner_id));
CREATE TABLE group_course (
    group_id INTEGER NOT NULL REFERENCES learner_group (id) ON DELETE CASCADE,
    course_id TEXT NOT NULL, PRIMARY KEY (group_id, course_id));
CREATE TABLE certificate (
    id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,
    learner_id INTEGER NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    course_id TEXT NOT NULL, issued_at REAL NOT NULL);
CREATE UNIQUE INDEX certificate_learner_course ON certificate (learner_id, course_id);
"""


def apply(db):
    for statement in STATEMENTS.split(";"):
        if statement.strip():
            db.execute_sql(statement)
