"""`python run.py hub …`: serve the hub, make enrolment codes and facilitator accounts (and change their
passwords), export xAPI."""
from __future__ import annotations

import os

import click

from . import settings

DATA_HELP = "Hub data folder for SQLite (default: hub-data, or RELAIS_HUB_DATA_DIR)."
URL_HELP = "postgresql://user:password@host/db instead of SQLite (or RELAIS_DATABASE_URL, DATABASE_URL)."


def _options(function):
    function = click.option("--data", "data_dir", default=None, help=DATA_HELP)(function)
    return click.option("--database-url", default=None, help=URL_HELP)(function)


def _config(data_dir, database_url, **extra) -> dict:
    values = settings.resolve()
    return dict(HUB_DATA_DIR=data_dir or values["HUB_DATA_DIR"] or "hub-data",
                DATABASE_URL=database_url or values["DATABASE_URL"] or os.environ.get("DATABASE_URL"), **extra)


def _open(data_dir, database_url):
    from pathlib import Path

    from . import db
    config = _config(data_dir, database_url)
    return db.open_database(config["DATABASE_URL"], Path(config["HUB_DATA_DIR"]))


@click.group(invoke_without_command=True)
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option("--port", default=8090, show_default=True, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, help="Worker threads.")
@click.option("--public-url", default=None, help="The hub's public address (xAPI homePage).")
@_options
@click.pass_context
def hub(ctx, host, port, threads, public_url, data_dir, database_url):
    """Run the hub that kiosks send progress to (without a sub-command: serve it)."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"data_dir": data_dir, "database_url": database_url}
        return
    from sync.base import serving

    from .app import create_hub_app
    app = create_hub_app(_config(data_dir, database_url, HUB_URL=public_url))
    where = app.config["DATABASE_URL"] and "PostgreSQL" or f"SQLite in {app.config['HUB_DATA_DIR']}"
    click.echo(f"Relais hub on http://{host}:{port}/ ({where}).")
    values = settings.resolve()
    serving.serve(app, host=host, port=port, threads=threads, ident="Relais hub", echo=click.echo,
                  connection_limit=values["SERVER_CONNECTION_LIMIT"], channel_timeout=values["SERVER_CHANNEL_TIMEOUT"])


def _db(ctx, data_dir, database_url):
    parent = ctx.obj or {}
    return _open(data_dir or parent.get("data_dir"), database_url or parent.get("database_url"))


@hub.command("enroll-code")
@click.argument("centre")
@_options
@click.pass_context
def enroll_code(ctx, centre, data_dir, database_url):
    """Print a one-time code (valid 24 h) that enrols one kiosk for CENTRE."""
    from .auth import CODE_HOURS, new_enroll_code
    with _db(ctx, data_dir, database_url).connection_context():
        code = new_enroll_code(centre)
    click.echo(code)
    click.echo(f"Valid once, for {CODE_HOURS} hours, for {centre}. On the kiosk: python run.py enroll HUB_URL {code}",
               err=True)


@hub.command("create-facilitator")
@click.argument("name")
@_options
@click.pass_context
def create_facilitator(ctx, name, data_dir, database_url):
    """Create a hub facilitator account; asks for the password twice (or reads one line from stdin)."""
    from sync.base.password_prompt import ask_password

    from .auth import create_facilitator as create
    password = ask_password(name)
    with _db(ctx, data_dir, database_url).connection_context():
        try:
            create(name, password)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Hub facilitator '{name.strip()}' created.")


@hub.command("set-password")
@click.argument("name")
@_options
@click.pass_context
def set_password(ctx, name, data_dir, database_url):
    """Give a hub facilitator a new password (asked as for create-facilitator); ends all their sessions."""
    from sync.base.password_prompt import ask_password

    from .auth import set_password as change
    password = ask_password(name)
    with _db(ctx, data_dir, database_url).connection_context():
        try:
            ended = change(name, password)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"New password for hub facilitator '{name.strip()}'; {ended} open session(s) ended.")



@hub.command("export-xapi")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--public-url", default="http://127.0.0.1:8090", show_default=True,
              help="The hub's public address, used as the actors' account homePage.")
@_options
@click.pass_context
def export_xapi(ctx, file, public_url, data_dir, database_url):
    """Write every statement as xAPI 1.0.3 JSON (an array an LRS accepts on POST /statements)."""
    from .xapi import export
    with _db(ctx, data_dir, database_url).connection_context():
        count = export(file, public_url.rstrip("/"))
    click.echo(f"{count} statements written to {file}.")


def _content_dir(ctx, data_dir):
    """Where the hub keeps published files and trusted keys: its data folder, whatever the database."""
    from pathlib import Path
    parent = ctx.obj or {}
    return Path(data_dir or parent.get("data_dir") or os.environ.get("RELAIS_HUB_DATA", "hub-data"))


@hub.command("trust")
@click.argument("public_key", type=click.Path(exists=True, dir_okay=False))
@_options
@click.pass_context
def trust_key(ctx, public_key, data_dir, database_url):
    """Let the hub publish packs signed by this public key (kiosks must trust it too)."""
    from pathlib import Path

    from sync.packs.errors import PackError
    from sync.packs.signing import trust
    try:
        name = trust(Path(public_key), _content_dir(ctx, data_dir))
    except PackError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"The hub now accepts packs signed by key {name}.")


@hub.command("publish")
@click.argument("pack", type=click.Path(exists=True, dir_okay=False))
@click.option("--to", "targets", multiple=True,
              help="A centre's name or a kiosk id; repeat for several (default: every kiosk).")
@_options
@click.pass_context
def publish_pack(ctx, pack, targets, data_dir, database_url):
    """Offer a signed content pack to every kiosk, or to chosen centres and kiosks."""
    from pathlib import Path

    from sync.packs.errors import PackError

    from .publish import publish
    database = _db(ctx, data_dir, database_url)
    try:
        with database.connection_context():
            publication = publish(Path(pack), _content_dir(ctx, data_dir), list(targets) or None, by="command line")
    except PackError as error:
        raise click.ClickException(str(error)) from None
    who = ", ".join(targets) if targets else "every kiosk"
    click.echo(f"Published {publication.pack_id} version {publication.version} ({publication.files} files, "
               f"{publication.bytes / 1048576:.1f} MB) for {who}.")
