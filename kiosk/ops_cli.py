"""Operations commands (content packs, backup, restore), part of the `relais` command (kiosk/cli.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import settings as kiosk_settings


def _folders(content_dir, data_dir) -> tuple[Path, Path, str]:
    values = kiosk_settings.resolve()
    return (Path(content_dir or values["CONTENT_DIR"]), Path(data_dir or values["DATA_DIR"]).resolve(),
            values["DEFAULT_LANGUAGE"])


class BarProgress:
    """Shows each long step of a pack operation as a click progress bar on the terminal."""

    def __init__(self):
        self.bar = None

    def step(self, label: str, total: int) -> None:
        self.done()
        self.bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr, width=30)
        self.bar.__enter__()

    def advance(self, amount: int) -> None:
        if self.bar is not None:
            self.bar.update(amount)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.group()
def pack():
    """Signed content packs: make a key, build a pack, trust a publisher, import a pack."""


_DATA = click.option("--data", "data_dir", default=None, help="The kiosk's data folder (default: data).")
_CONTENT = click.option("--content", "content_dir", default=None,
                        help="The content path the kiosk serves (default: content).")


@pack.command()
@click.option("--out", "out_dir", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder for relais-pack.key (private) and relais-pack.pub (public).")
def keygen(out_dir):
    """Make an Ed25519 key pair for signing packs."""
    from .packs import PackError
    from .packs import keygen as make_keys

    try:
        private, public, name = make_keys(Path(out_dir))
    except PackError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Private key: {private} (keep it secret, and a copy offline; only you can sign with it)")
    click.echo(f"Public key:  {public} (give it to the kiosks: 'python run.py pack trust {public}')")
    click.echo(f"Fingerprint: {name}")


@pack.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False), help="The pack to write.")
@click.option("--key", "key_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Private key from 'pack keygen'.")
@click.option("--version", type=click.IntRange(min=1), default=None,
              help="Pack version, higher than any before (default: the date and minute, 202506141530).")
@click.option("--pack-id", default=None, help="Pack id (default: the folder's name).")
def build(folder, out, key_path, version, pack_id):
    """Check FOLDER, then write it as a signed pack."""
    from .packs import PackError, build_pack

    language = kiosk_settings.resolve()["DEFAULT_LANGUAGE"]
    try:
        manifest, check = build_pack(Path(folder), Path(out), Path(key_path), version, pack_id, language,
                                     BarProgress())
    except PackError as error:
        raise click.ClickException(str(error)) from None
    for warning in check.warnings:
        click.echo(f"  warning: {warning}")
    click.echo(f"Pack {manifest.pack_id} version {manifest.version}: {len(manifest.files)} files, "
               f"{manifest.courses} courses, {manifest.lessons} lessons, languages "
               f"{', '.join(manifest.languages) or '-'} -> {out}")


@pack.command()
@click.argument("public_key", type=click.Path(exists=True, dir_okay=False))
@_DATA
def trust(public_key, data_dir):
    """Trust packs signed with PUBLIC_KEY on this kiosk."""
    from .packs import PackError
    from .packs import trust as add_key

    _, data, _ = _folders(None, data_dir)
    try:
        name = add_key(Path(public_key), data)
    except PackError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Trusted key {name}: compare this fingerprint with the one its publisher gave you.")


@pack.command("import")
@click.argument("pack_file", type=click.Path(dir_okay=False))
@_DATA
@_CONTENT
def import_command(pack_file, data_dir, content_dir):
    """Verify PACK_FILE and make it the content this kiosk serves."""
    from .db import database, open_database
    from .packs import PackError, import_pack, reindex

    content, data, language = _folders(content_dir, data_dir)
    try:
        result = import_pack(Path(pack_file), content, data, language, BarProgress())
    except PackError as error:
        raise click.ClickException(f"{error}\nNothing was changed: the kiosk serves what it served before.") from None
    manifest = result.manifest
    click.echo(f"Installed pack {manifest.pack_id} version {manifest.version} (signed by {result.key}): "
               f"{result.check.courses} courses, {result.check.lessons} lessons.")
    open_database(data / "relais.sqlite3")
    with database.connection_context():
        report = reindex(content, data, language)
    click.echo(f"Catalogue updated in {report.seconds:.1f} s. A running kiosk switches at its next page.")


@pack.command()
@_DATA
@_CONTENT
def status(data_dir, content_dir):
    """Show the installed pack and the trusted keys."""
    from .packs import current_pack, trusted_keys

    content, data, _ = _folders(content_dir, data_dir)
    current = current_pack(data)
    click.echo(f"Content: {content} -> {content.resolve()}")
    click.echo(f"Installed: {current['pack_id']} version {current['version']}" if current else
               "Installed: no pack imported yet.")
    keys = trusted_keys(data)
    click.echo("Trusted keys: " + (", ".join(keys) if keys else "none ('pack trust KEYFILE' adds one)"))


@click.command("backup")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--keep", default=7, show_default=True, type=click.IntRange(min=1),
              help="Dated backups kept in DATA_DIR/backups.")
@_DATA
def backup_command(file, keep, data_dir):
    """Copy the database safely while the kiosk runs (default: into DATA_DIR/backups)."""
    from .backup import BackupError, backup

    _, data, _ = _folders(None, data_dir)
    try:
        result = backup(data, Path(file) if file else None, keep)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {result.path} ({result.size // 1024} KB, checked, "
               f"{result.seconds:.2f} s).")
    for path in result.removed:
        click.echo(f"  removed old backup {path.name}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_DATA
def restore_command(file, yes, data_dir):
    """Replace the kiosk's database with a backup. Stop the kiosk first."""
    from .backup import BackupError, restore

    _, data, _ = _folders(None, data_dir)
    if not yes:
        click.confirm("Stop the kiosk first (sudo systemctl stop relais). Replace the learners' data "
                      f"in {data} with {file}?", abort=True)
    try:
        epoch, safety = restore(Path(file), data)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    if safety:
        click.echo(f"The replaced database was kept as {safety}.")
    click.echo(f"Restored {file}. Sync continues in a new epoch ({epoch}). Start the kiosk again "
               "(sudo systemctl start relais).")
