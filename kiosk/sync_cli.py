"""The kiosk's sync commands (enroll, sync, update-content), part of the `relais` command (kiosk/cli.py)."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click


def _kiosk_data(data_dir: str | None) -> Path:
    from . import settings
    from .db import open_database

    path = Path(data_dir or settings.resolve()["DATA_DIR"]).resolve()
    open_database(path / "relais.sqlite3")
    return path


@click.command()
@click.argument("hub_url")
@click.argument("code")
@click.option("--data", "data_dir", default=None, help="The kiosk's data folder (default: data).")
def enroll(hub_url, code, data_dir):
    """Link this kiosk to a hub with a one-time enrolment code."""
    from sync.client.enrollment import EnrolError
    from sync.client.enrollment import enroll as do_enroll

    from .db import database

    path = _kiosk_data(data_dir)
    try:
        with database.connection_context():
            link = do_enroll(path, hub_url, code)
    except EnrolError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Enrolled with {link.hub_url} for {link.centre} as kiosk {link.kiosk_id}.")
    click.echo(f"The kiosk's credentials are in {path / 'sync.json'} (readable by this user only).")


@click.group(invoke_without_command=True)
@click.option("--data", "data_dir", default=None, help="The kiosk's data folder (default: data).")
@click.option("--batch", default=500, show_default=True, help="Events per upload.")
@click.option("--patience", default=0.0, show_default=True,
              help="Keep retrying for this many seconds when the hub does not answer (0: one try).")
@click.pass_context
def sync(ctx, data_dir, batch, patience):
    """Send waiting progress to the hub now. Exit 0 when nothing is left to send.

    With `export` or `receipt`: carry progress by USB stick instead."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"data_dir": data_dir}
        return
    from sync.client import enrollment, outbox
    from sync.client.uploader import Uploader
    from sync.wire import backoff

    from .db import database

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


DATA_HELP = "The kiosk's data folder (default: data)."


@sync.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--data", "data_dir", default=None, help=DATA_HELP)
@click.option("--hub-key", default=None, help="The hub's bundle key (from 'relais hub bundle-key'), for a kiosk "
                                              "enrolled before USB bundles; kept for next time.")
@click.pass_context
def sync_export(ctx, file, data_dir, hub_key):
    """Write every record the hub has not acknowledged to FILE (on a USB stick), sealed to the hub."""
    from sync.client import bundles

    from .db import database

    path = _kiosk_data(data_dir or (ctx.obj or {}).get("data_dir"))
    try:
        with database.connection_context():
            done = bundles.export(path, Path(file), hub_key)
    except (bundles.BundleError, OSError) as error:
        raise click.ClickException(f"no bundle written: {error}") from None
    click.echo(f"{done.events} records written to {done.path} ({done.bytes} bytes, readable by the hub only). "
               f"Import it on the hub with 'relais hub import {done.path.name}', then bring the receipt back.")


@sync.command("receipt")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--data", "data_dir", default=None, help=DATA_HELP)
@click.pass_context
def sync_receipt(ctx, file, data_dir):
    """Mark the records a hub's receipt (FILE, written by 'relais hub import') acknowledges as sent."""
    from sync.client import bundles

    from .db import database

    path = _kiosk_data(data_dir or (ctx.obj or {}).get("data_dir"))
    try:
        with database.connection_context():
            done = bundles.apply_receipt(path, Path(file))
    except bundles.BundleError as error:
        raise click.ClickException(f"receipt refused: {error}") from None
    if done.marked == 0:
        click.echo(f"Already recorded: the {done.events} records of this receipt were acknowledged before; "
                   "nothing changed.")
    else:
        click.echo(f"{done.marked} records acknowledged by the hub; they will not be sent again."
                   + (f" The hub set {done.set_aside} aside (see the Sync page)." if done.set_aside else ""))


@sync.command("cards")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--data", "data_dir", default=None, help=DATA_HELP)
@click.pass_context
def sync_cards(ctx, file, data_dir):
    """Apply the learners' cards a hub wrote for this kiosk (FILE, from 'relais hub export-for')."""
    from sync.client import bundles

    from .db import database
    from .roaming import apply_page

    path = _kiosk_data(data_dir or (ctx.obj or {}).get("data_dir"))
    try:
        with database.connection_context():
            count = bundles.import_cards(path, Path(file), apply_page)
    except bundles.BundleError as error:
        raise click.ClickException(f"cards refused: {error}") from None
    click.echo(f"{count} learners' cards of this kiosk's network are up to date here.")


@click.command("update-content")
@click.option("--data", "data_dir", default=None, help="The kiosk's data folder (default: data).")
@click.option("--content", "content_dir", default=None, help="The content folder the kiosk serves (default: content).")
@click.option("--ignore-budget", is_flag=True, help="Fetch now even outside SYNC_WINDOW or past SYNC_DAILY_BUDGET_MB.")
def update_content(data_dir, content_dir, ignore_budget):
    """Fetch the courses the hub published for this kiosk (only what changed) and switch to them.

    Exit 0 when the kiosk has the newest version, 1 when the download must go on later (the link, the
    budget or the time window stopped it: run it again, it resumes), 2 when a person must look.
    """
    from sync.client import enrollment
    from sync.client.updates.fetch import Fetcher, FetchError

    from . import settings
    from .db import database
    from .syncing import content_updates
    from .syncing import meter as link_meter

    values = settings.resolve()
    path = _kiosk_data(data_dir)
    link = enrollment.load(path)
    if link is None:
        raise click.ClickException("this kiosk is not enrolled yet: run 'python run.py enroll HUB_URL CODE' first.")
    meter = link_meter({})          # the budget and hours set on the page count here too
    updates = content_updates(path, Path(content_dir or values["CONTENT_DIR"]), values["DEFAULT_LANGUAGE"])
    updates.hinted = True
    fetcher = Fetcher(link)
    with database.connection_context():
        while True:
            try:
                done = updates.step(fetcher, meter, enforce=not ignore_budget, seconds=3600)
            except FetchError as error:
                click.echo(f"Stopped: {error.detail}. Run this again to resume.", err=True)
                sys.exit(1)
            if done != "more":
                break
        info = updates.status(meter)
    if done == "installed":
        current = info["current"]
        click.echo(f"Installed {current['pack_id']} version {current['version']}; the kiosk serves it now.")
    elif done == "idle":
        click.echo("Nothing new: this kiosk has the newest courses the hub published for it.")
    elif done == "stopped":
        error = info["state"]["error"]
        click.echo(f"Not installed: {error['message'] % error['params'] if error['params'] else error['message']}",
                   err=True)
        sys.exit(2)
    else:
        offer = info["offer"]
        click.echo(f"{'Paused' if done == 'paused' else 'Waiting for the budget or the time window'}: "
                   f"{offer['to_fetch']} bytes still to fetch.", err=True)
        sys.exit(1)
