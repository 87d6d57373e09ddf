"""Command-line commands for sync (hub, enroll, sync), added to the `relais` command group."""


def register(cli) -> None:
    """Add the sync commands to the main command group."""
