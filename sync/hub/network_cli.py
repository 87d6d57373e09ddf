"""`relais hub network …`: group centres into a network whose kiosks share their learners' cards."""
from __future__ import annotations

import click


def add_network_commands(hub: click.Group, options, open_db) -> None:
    """Attach the `network` commands to the hub's command group (`options`, `open_db` as cli.py's)."""

    @hub.group("network")
    def network_group():
        """Networks of centres: the kiosks of a network share their learners' cards."""

    @network_group.command("add")
    @click.argument("name")
    @click.option("--centre", "centres", multiple=True, required=True,
                  help="A centre's name, as given to its enrolment codes; repeat for several.")
    @options
    @click.pass_context
    def add(ctx, name, centres, data_dir, database_url):
        """Put CENTREs into the network NAME (made if new); a centre leaves any other network."""
        from . import network  # when run: the command line starts without the database layer
        with open_db(ctx, data_dir, database_url).connection_context():
            try:
                network.add(name, list(centres))
            except ValueError as error:
                raise click.ClickException(str(error)) from None
            members = network.listing()[name.strip()]
        click.echo(f"Network {name.strip()}: {', '.join(members)}. Their kiosks share learners' cards from the "
                   "next sync.")

    @network_group.command("list")
    @options
    @click.pass_context
    def listing(ctx, data_dir, database_url):
        """Print every network and its centres."""
        from . import network  # when run: the command line starts without the database layer
        with open_db(ctx, data_dir, database_url).connection_context():
            found = network.listing()
        for name, members in found.items():
            click.echo(f"{name}: {', '.join(members)}")
        if not found:
            click.echo("No network: each centre's kiosks share cards among themselves.")
