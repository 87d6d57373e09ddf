"""Each certificate's Open Badges 3.0 credential, kept as it was signed, and whether the hub was sent it
(kiosk/certificates.py: only then does the printed QR code link to the hub's check of the badge)."""
NUMBER = 9


def apply(db):
    db.execute_sql("ALTER TABLE certificate ADD COLUMN credential TEXT")
    db.execute_sql("ALTER TABLE certificate ADD COLUMN badge_sent INTEGER NOT NULL DEFAULT 0")
