"""The kiosk side of sync inside the kiosk's Flask app: background uploader and the facilitator's sync page."""


def init_app(app) -> None:
    """Start what sync needs in a running kiosk (nothing until the kiosk is enrolled)."""
