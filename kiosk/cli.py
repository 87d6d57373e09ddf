"""The `relais` command line (also `python run.py …`): serve the kiosk, check content, manage accounts."""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

from . import settings as kiosk_settings


# The kiosk's operations and sync commands, and the hub's group: each imported when typed (or listed by
# --help), not by every `relais` run. A serving kiosk needs none of them (0.3 MB of its idle RSS, mostly the hub's).
ELSEWHERE = ("pack", "backup", "restore", "enroll", "sync", "update-content", "hub")


def _elsewhere(name: str) -> click.Command:
    """The command `name` of ELSEWHERE, imported now."""
    if name == "hub":
        from sync.hub.cli import hub
        return hub
    if name in ("enroll", "sync", "update-content"):
        from . import sync_cli
        return getattr(sync_cli, name.replace("-", "_"))
    from . import ops_cli
    return {"pack": ops_cli.pack, "backup": ops_cli.backup_command, "restore": ops_cli.restore_command}[name]


class Commands(click.Group):
    """The `relais` group: its own commands below, and those of ELSEWHERE added when first asked for."""

    def list_commands(self, ctx):
        return sorted({*self.commands, *ELSEWHERE})

    def get_command(self, ctx, name):
        if name not in self.commands and name in ELSEWHERE:
            self.add_command(_elsewhere(name), name)
        return self.commands.get(name)


@click.group(cls=Commands, invoke_without_command=True)
@click.pass_context
def cli(ctx):
    """Relais: an offline learning kiosk. Without a command, serves the kiosk."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@cli.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, help="Port to listen on.")
@click.option("--content", "content_dir", default=None, help="Folder of courses (default: content).")
@click.option("--data", "data_dir", default=None, help="Data folder (default: data).")
# 16 worker threads: a quiz answer waits for its group commit (kiosk/writer.py), and the threads bound how
# many answers one commit can hold. On a card whose fsync takes 10 ms, 6 threads gave p99 120 ms at 16
# learners at once, 16 threads 76–87 ms and twice the answers per second; pages serve the same (docs/benchmarks.md).
@click.option("--threads", default=16, show_default=True, help="Worker threads.")
def serve(host, port, content_dir, data_dir, threads):
    """Serve the kiosk with waitress."""
    from sync.base import serving

    serving.limit_malloc_arenas()          # before create_app: narration and sync may start threads there
    from .app import create_app

    started = time.perf_counter()
    values = _overrides(content_dir, data_dir)
    app = create_app(values)
    report = app.config["INDEX_REPORT"]
    click.echo(f"Relais: {report.courses} courses, {report.lessons} lessons "
               f"({report.parsed} read now, {len(report.skipped)} skipped) in {time.perf_counter() - started:.2f} s")
    for path in report.skipped:
        click.echo(f"  skipped: {path} (run 'python run.py check-content' to see why)")
    click.echo("Open the kiosk in a browser at:")
    for address in _addresses(host):
        click.echo(f"  http://{address}:{port}/")
    from . import checkpoints, facilitators
    from .db import database
    checkpoints.start(app)
    with database.connection_context():
        if not facilitators.exists():
            click.echo("No facilitator account yet: create one on this computer at "
                       f"http://127.0.0.1:{port}/facilitator/setup, or from another device with the "
                       f"set-up code {app.config['SETUP_CODE']}.")
    serving.serve(app, host=host, port=port, threads=threads, ident="Relais", echo=click.echo,
                  connection_limit=values["SERVER_CONNECTION_LIMIT"], channel_timeout=values["SERVER_CHANNEL_TIMEOUT"])


@cli.command("check-content")
@click.argument("directory", default="content", type=click.Path(exists=True, file_okay=False))
@click.option("--strict", is_flag=True, help="Fail on warnings too (text shown as written, a guessed language…).")
def check_content(directory, strict):
    """Check a content folder; print each problem as file:line: message. Exit 1 on errors (--strict: and
    on warnings)."""
    from .db import database, open_database
    from .indexing import index_content

    with tempfile.TemporaryDirectory() as tmp:
        open_database(Path(tmp) / "check.sqlite3")
        with database.connection_context():
            report = index_content(Path(directory), Path(tmp), kiosk_settings.resolve()["DEFAULT_LANGUAGE"])
        database.close()
    for problem in sorted(report.problems, key=lambda p: (p.path, p.line)):
        click.echo(str(problem))
    errors = sum(p.is_error for p in report.problems)
    warnings = len(report.problems) - errors
    click.echo(f"{report.courses} courses, {report.lessons} lessons; {errors} errors, {warnings} warnings.")
    sys.exit(1 if errors or (strict and warnings) else 0)


@cli.command("init-db")
@click.option("--data", "data_dir", default=None, help="Data folder (default: data).")
def init_db(data_dir):
    """Create or upgrade the database."""
    from .db import open_database
    from .migrations import current_version

    db = open_database(Path(_overrides(None, data_dir)["DATA_DIR"]) / "relais.sqlite3")
    with db.connection_context():
        click.echo(f"Database ready (schema version {current_version(db)}).")


@cli.command("create-facilitator")
@click.argument("name")
@click.option("--data", "data_dir", default=None, help="Data folder (default: data).")
def create_facilitator(name, data_dir):
    """Create a facilitator account; asks for the password twice (or reads one line from stdin)."""
    from sync.base.password_prompt import ask_password

    from . import facilitators
    from .db import open_database

    password = ask_password(name)
    db = open_database(Path(_overrides(None, data_dir)["DATA_DIR"]) / "relais.sqlite3")
    with db.connection_context():
        try:
            facilitators.create(name, password)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Facilitator '{name.strip()}' created.")


@cli.command("set-password")
@click.argument("name")
@click.option("--data", "data_dir", default=None, help="Data folder (default: data).")
def set_password(name, data_dir):
    """Give a facilitator a new password (asked as for create-facilitator); ends all their sessions."""
    from sync.base.password_prompt import ask_password

    from . import facilitators
    from .db import open_database

    password = ask_password(name)
    db = open_database(Path(_overrides(None, data_dir)["DATA_DIR"]) / "relais.sqlite3")
    with db.connection_context():
        try:
            ended = facilitators.set_password(name, password)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"New password for facilitator '{name.strip()}'; {ended} open session(s) ended.")



@cli.command()
@click.option("--content", "content_dir", default=None, help="Folder of courses (default: content).")
@click.option("--seconds", default=8.0, show_default=True, help="How long the load lasts.")
def selftest(content_dir, seconds):
    """Load a copy of this kiosk for a few seconds and say how many learners it can serve."""
    from .selftest import WIFI_HOTSPOT_LIMIT, run

    click.echo("Testing this box with a copy of the kiosk (your learners' data is not touched)…")
    result = run(Path(_overrides(content_dir, None)["CONTENT_DIR"]), seconds=seconds)
    click.echo(f"{result.requests} pages in {result.seconds:.0f} s ({result.per_second} a second), "
               f"95 % answered within {result.p95_ms:.0f} ms, {result.errors} errors.")
    click.echo(f"This box can serve about {result.learners} learners at the same time.")
    click.echo(f"Note: a Raspberry Pi's own Wi-Fi hotspot handles few devices well; beyond about "
               f"{WIFI_HOTSPOT_LIMIT}, connect the box to a Wi-Fi access point.")
    sys.exit(1 if result.errors else 0)


def _overrides(content_dir, data_dir) -> dict:
    values = kiosk_settings.resolve()
    if content_dir:
        values["CONTENT_DIR"] = content_dir
    if data_dir:
        values["DATA_DIR"] = data_dir
    return values


def _addresses(host: str) -> list[str]:
    if host not in ("0.0.0.0", "::"):
        return [host]
    found = ["127.0.0.1"]
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=2).stdout
        found += [a for a in out.split() if ":" not in a]
    except (OSError, subprocess.SubprocessError):
        pass
    return found


def main():
    cli(prog_name="relais")
