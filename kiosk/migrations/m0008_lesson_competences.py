"""The CRCN competence and level a lesson declares, kept at index time (kiosk/activity/competences.py reads them)."""
NUMBER = 8


def apply(db):
    db.execute_sql("ALTER TABLE lesson_version ADD COLUMN crcn TEXT NOT NULL DEFAULT ''")
    db.execute_sql("ALTER TABLE lesson_version ADD COLUMN crcn_level INTEGER NOT NULL DEFAULT 0")
