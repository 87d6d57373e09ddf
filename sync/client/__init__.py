"""The kiosk's side of sync: outbox, clock state, uploader, worker, metered link and course updates.

Works on the database the kiosk's factory gives it (`sync.client.db.bind`); never imports the kiosk.
"""
