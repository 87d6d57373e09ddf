"""Operations commands (content packs, backup, restore), added to the `relais` command group."""


def register(cli) -> None:
    """Add the operations commands to the main command group."""
