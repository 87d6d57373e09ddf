"""`python run.py hub …`: serve the hub, make enrolment codes and facilitator accounts (and change their
passwords), export xAPI."""
from __future__ import annotations

import os

import click

from . import settings
from .network_cli import add_network_commands

DATA_HELP = "Hub data folder for SQLite (default: hub-data, or RELAIS_HUB_DATA_DIR)."
URL_HELP = "postgresql://user:password@host/db instead of SQLite (or RELAIS_DATABASE_URL, DATABASE_URL)."


def _options(function):
    function = click.option("--data", "data_dir", default=None, help=DATA_HELP)(function)
    return click.option("--database-url", default=None, help=URL_HELP)(function)


def _lrs_options(function):
    function = click.option("--lrs-password-file", type=click.Path(exists=True, dir_okay=False), default=None,
                            help="A file holding the LRS's password (or RELAIS_LRS_PASSWORD).")(function)
    function = click.option("--lrs-username", default=None, help="The LRS's user name or key (or RELAIS_LRS_USERNAME).")(function)
    return click.option("--lrs-url", default=None, help="The funder's LRS, e.g. https://lrs.example/xapi (or RELAIS_LRS_URL).")(function)


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
@click.option("--public-url", default=None, help="The hub's public address, the start of xAPI IRIs (or RELAIS_HUB_URL).")
@_lrs_options
@_options
@click.pass_context
def hub(ctx, host, port, threads, public_url, lrs_url, lrs_username, lrs_password_file, data_dir, database_url):
    """Run the hub that kiosks send progress to (without a sub-command: serve it)."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"data_dir": data_dir, "database_url": database_url}
        return
    from sync.base import serving

    serving.limit_malloc_arenas()          # before the LRS forwarder's and waitress's threads start
    from .app import create_hub_app
    extra = _lrs_config(public_url, lrs_url, lrs_username, lrs_password_file)
    app = create_hub_app(_config(data_dir, database_url, **extra))
    where = app.config["DATABASE_URL"] and "PostgreSQL" or f"SQLite in {app.config['HUB_DATA_DIR']}"
    click.echo(f"Relais hub on http://{host}:{port}/ ({where}).")
    _start_forwarder(app.config)
    values = settings.resolve()
    serving.serve(app, host=host, port=port, threads=threads, ident="Relais hub", echo=click.echo,
                  connection_limit=values["SERVER_CONNECTION_LIMIT"], channel_timeout=values["SERVER_CHANNEL_TIMEOUT"])


def _lrs_config(public_url, lrs_url, lrs_username, lrs_password_file) -> dict:
    """The settings the command line gives (only those it was given: the rest come from RELAIS_…)."""
    from pathlib import Path
    given = {"HUB_URL": public_url, "LRS_URL": lrs_url, "LRS_USERNAME": lrs_username,
             "LRS_PASSWORD": Path(lrs_password_file).read_text(encoding="utf-8").strip() if lrs_password_file else None}
    return {name: value for name, value in given.items() if value is not None}


def _lrs_target(config: dict):
    """The LRS to send to, or None; a ClickException when its settings are wrong or the public address unset."""
    from .lrs_forwarder import target_from
    try:
        target = target_from(config)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if target is not None and not config.get("HUB_URL"):
        raise click.ClickException("statements sent to an LRS are kept there for good: set the hub's public "
                                   "address first (--public-url or RELAIS_HUB_URL)")
    return target


def _start_forwarder(config: dict) -> None:
    from .lrs_forwarder import start
    from .xapi import public_url
    target = _lrs_target(config)
    if target is not None:
        start(target, public_url(config), float(config["LRS_INTERVAL"]))
        click.echo(f"Sending xAPI statements to {target.url} (progress: the hub's Funder's LRS page).")


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
@click.option("--national", is_flag=True, help="Sees every centre (the default when no region or centre is given).")
@click.option("--region", "regions", multiple=True, help="Sees every centre of this region; repeat for several.")
@click.option("--centre", "centres", multiple=True, help="Sees this centre; repeat for several.")
@click.option("--read-only", is_flag=True, help="Sees, never changes anything (a funder's view).")
@_options
@click.pass_context
def create_facilitator(ctx, name, national, regions, centres, read_only, data_dir, database_url):
    """Create a hub facilitator account; asks for the password twice (or reads one line from stdin)."""
    from sync.base.password_prompt import ask_password

    from . import scopes
    from .auth import create_facilitator as create
    try:
        scope = scopes.wanted(national or not (regions or centres), regions, centres, read_only)
    except scopes.ScopeRefused as refused:
        raise click.ClickException(str(refused)) from None
    password = ask_password(name)
    with _db(ctx, data_dir, database_url).connection_context():
        try:
            create(name, password, scope)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    sees = "every centre" if scope.national else ", ".join(sorted(scope.regions) + sorted(scope.centres))
    click.echo(f"Hub facilitator '{name.strip()}' created.")
    click.echo(f"{'Read-only' if read_only else 'Administrator'}; sees {sees}.")


@hub.command("set-region")
@click.argument("centre")
@click.argument("region")
@_options
@click.pass_context
def set_region(ctx, centre, region, data_dir, database_url):
    """Place CENTRE in REGION (an empty REGION, "", takes it out of any): its regional facilitators see it."""
    from . import scopes
    with _db(ctx, data_dir, database_url).connection_context():
        try:
            scopes.set_region(scopes.NATIONAL, centre, region)
        except scopes.ScopeRefused as refused:
            raise click.ClickException(str(refused)) from None
    click.echo(f"{centre.strip()} is now in region {region.strip()}." if region.strip()
               else f"{centre.strip()} is now in no region.")


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
@click.option("--public-url", default=None, help="The hub's public address (default: RELAIS_HUB_URL, as the hub "
              "serves them; unset: https://relais.invalid).")
@click.option("--facilitator", default=None, help="Only the centres this hub facilitator sees (default: all).")
@_options
@click.pass_context
def export_xapi(ctx, file, public_url, facilitator, data_dir, database_url):
    """Write every statement as xAPI 1.0.3 JSON (an array an LRS accepts on POST /statements)."""
    from . import scopes
    from .models import Facilitator
    from .xapi import export
    from .xapi import public_url as home
    with _db(ctx, data_dir, database_url).connection_context():
        scope = scopes.NATIONAL
        if facilitator is not None:
            account = Facilitator.get_or_none(Facilitator.name == facilitator.strip())
            if account is None:
                raise click.ClickException(f"no hub facilitator is called '{facilitator.strip()}'.")
            scope = scopes.scope_of(account)
        count = export(file, home(settings.resolve(_lrs_config(public_url, None, None, None))), scope)
    click.echo(f"{count} statements written to {file}.")


@hub.command("forward-xapi")
@click.option("--public-url", default=None, help="The hub's public address (or RELAIS_HUB_URL); required.")
@_lrs_options
@_options
@click.pass_context
def forward_xapi(ctx, public_url, lrs_url, lrs_username, lrs_password_file, data_dir, database_url):
    """Send every waiting statement to the LRS now, batch after batch; exit 1 if it refuses or cannot be reached."""
    from . import lrs_forwarder
    from .xapi import public_url as home
    config = settings.resolve(_lrs_config(public_url, lrs_url, lrs_username, lrs_password_file))
    target = _lrs_target(config)
    if target is None:
        raise click.ClickException("say which LRS: --lrs-url or RELAIS_LRS_URL")
    with _db(ctx, data_dir, database_url).connection_context():
        while (outcome := lrs_forwarder.step(target, home(config), patient=False)) in ("sent", "raced"):
            pass
        progress = lrs_forwarder.load()[0]
    click.echo(f"{progress.sent} statements sent to {target.url} so far.")
    if outcome == "failed":
        raise click.ClickException(f"stopped: {progress.last_error} ({progress.last_detail}); the next run resumes there")


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


add_network_commands(hub, _options, _db)         # `hub network add|list` (network_cli.py)


@hub.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--receipt", "receipt_path", default=None, type=click.Path(dir_okay=False),
              help="Where to write the signed receipt (default: beside FILE, ending in .receipt).")
@_options
@click.pass_context
def import_bundle(ctx, file, receipt_path, data_dir, database_url):
    """Take a kiosk's USB bundle exactly once, as an upload, and write the receipt the stick carries back."""
    from pathlib import Path

    from sync.wire.bundle import write_atomic

    from . import bundles
    database = _db(ctx, data_dir, database_url)
    try:
        with database.connection_context():
            done = bundles.import_bundle(Path(file).read_bytes(), _content_dir(ctx, data_dir))
    except bundles.Refused as refused:
        raise click.ClickException(f"nothing imported: {refused}") from None
    target = Path(receipt_path) if receipt_path else bundles.receipt_name(Path(file))
    write_atomic(target, done.receipt)
    if done.already:
        click.echo(f"Already imported, nothing changed: the hub held all {done.events} records from "
                   f"{done.kiosk.centre}. Receipt rewritten: {target}")
    else:
        click.echo(f"{done.stored} new records from {done.kiosk.centre} ({done.duplicates} already here, "
                   f"{done.set_aside} set aside). Receipt: {target} — take it back to the kiosk "
                   "('relais sync receipt FILE').")


@hub.command("export-for")
@click.argument("kiosk")
@click.argument("file", type=click.Path(dir_okay=False))
@_options
@click.pass_context
def export_for(ctx, kiosk, file, data_dir, database_url):
    """Write the course pack published for KIOSK to FILE, and its network's cards beside it (FILE.cards), for a
    kiosk with no link ('relais pack import', 'relais sync cards')."""
    from pathlib import Path

    from .export_for import ExportRefused
    from .export_for import export_for as write
    database = _db(ctx, data_dir, database_url)
    try:
        with database.connection_context():
            done = write(kiosk, _content_dir(ctx, data_dir), Path(file))
    except (ExportRefused, OSError) as error:
        raise click.ClickException(f"nothing written: {error}") from None
    if done.publication is not None:
        click.echo(f"{done.publication.pack_id} version {done.publication.version} ({done.files} files) for "
                   f"{done.kiosk.centre} written to {file}. On the kiosk: relais pack import FILE, or the Content "
                   "packs page from the stick.")
    if done.cards:
        click.echo(f"{done.cards} learners' cards of its network written to {done.cards_path} (readable by that "
                   "kiosk only). On the kiosk: relais sync cards FILE.")


@hub.command("bundle-key")
@_options
@click.pass_context
def bundle_key(ctx, data_dir, database_url):
    """Print the hub's public key for USB bundles (kiosks enrolled now receive it by themselves)."""
    from . import bundles
    click.echo(bundles.public_key(_content_dir(ctx, data_dir)))
