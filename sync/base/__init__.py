"""What the kiosk and the hub both stand on: settings declared as data, the database's life in a web
app, and facilitator accounts. Imports neither application."""
