"""Command-line commands for sync (hub, enroll, sync), added to the `relais` command group."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click


def register(cli) -> None:
    """Add the sync commands to the main command group."""
    cli.add_command(enroll)
    cli.add_command(sync)
    from .hub.cli import hub
    cli.add_command(hub)


def _kiosk_data(data_dir: str | None) -> Path:
    from kiosk import settings
    from kiosk.db import open_database

    path = Path(data_dir or settings.resolve()["DATA_DIR"]).resolve()
    open_database(path / "relais.sqlite3")
    return path


@click.command()
@click.argument("hub_url")
@click.argument("code")
@click.option("--data", "data_dir", default=None, help="The kiosk's data folder (default: data).")
def enroll(hub_url, code, data_dir):
    """Link this kiosk to a hub with a one-time enrolment code."""
    from kiosk.db import database

    from .enrollment import EnrolError, enroll as do_enroll

    path = _kiosk_data(data_dir)
    try:
        with database.connection_context():
            link = do_enroll(path, hub_url, code)
    except EnrolError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Enrolled with {link.hub_url} for {link.centre} as kiosk {link.kiosk_id}.")
    click.echo(f"The kiosk's credentials are in {path / 'sync.json'} (readable by this user only).")


@click.command()
@click.option("--data", "data_dir", default=None, help="The kiosk's data folder (default: data).")
@click.option("--batch", default=500, show_default=True, help="Events per upload.")
@click.option("--patience", default=0.0, show_default=True,
              help="Keep retrying for this many seconds when the hub does not answer (0: one try).")
def sync(data_dir, batch, patience):
    """Send waiting progress to the hub now. Exit 0 when nothing is left to send."""
    from kiosk.db import database

    from . import backoff, enrollment, outbox
    from .uploader import Uploader

    path = _kiosk_data(data_dir)
    link = enrollment.load(path)
    if link is None:
        raise click.ClickException("this kiosk is not enrolled yet: run 'python run.py enroll HUB_URL CODE' first.")
    uploader, deadline, failures = Uploader(link, batch), time.monotonic() + patience, 0
    while True:
        with database.connection_context():
            total = outbox.pending_count()
        with click.progressbar(length=total, label=f"Sending {total} events to {link.hub_url}",
                               file=sys.stdout if sys.stdout.isatty() else open(os.devnull, "w")) as bar:
            outcome = uploader.push(progress=lambda sent, _total: bar.update(sent - bar.pos))
        if outcome.ok or outcome.permanent:
            break
        failures += 1
        wait = backoff.delay(failures, retry_after=outcome.retry_after)
        if time.monotonic() + wait > deadline:
            break
        click.echo(f"{outcome.detail}; trying again in {wait:.0f} s.")
        time.sleep(wait)
    if outcome.ok:
        click.echo(f"Done: {outcome.sent} events sent, nothing waiting.")
        return
    click.echo(f"Sync stopped: {outcome.detail}. {outcome.pending} events are still waiting on this kiosk; "
               + ("a person must look at this (see the Sync page)." if outcome.permanent
                  else "they will be sent next time."), err=True)
    sys.exit(2 if outcome.permanent else 1)
