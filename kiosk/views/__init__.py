"""The kiosk's pages, one module per area; each has `init_app(app)` registering its blueprint."""
