"""Getting learners' progress from kiosks to a hub: outbox, clock, uploader and the hub itself."""
