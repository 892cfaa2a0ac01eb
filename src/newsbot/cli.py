"""The ``newsbot`` command line: thin commands that parse arguments and call services.

Each command group lives in its own module under ``newsbot.commands`` and is imported
here; those modules import heavy things (jieba, SQLAlchemy, httpx) inside the command
functions, so ``newsbot --help`` stays fast.

Every error a command lets out ends here, in :class:`_Cli`: ours print their own message,
anything unexpected prints one line and "run with -v for details" (exit 2 for usage and
config, 1 for the rest); the traceback shows only under ``-v``.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import click

from newsbot import __version__
from newsbot.errors import NewsbotError, report

# (module, attribute) of every command, in the order --help lists them.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("newsbot.commands.core", "demo"),
    ("newsbot.commands.core", "run"),
    ("newsbot.commands.core", "status"),
    ("newsbot.commands.db", "db"),
    ("newsbot.commands.config", "config"),
    ("newsbot.commands.extract", "extract"),
    ("newsbot.commands.sources", "sources"),
    ("newsbot.commands.poll", "poll"),
    ("newsbot.commands.poll", "backfill"),
    ("newsbot.commands.match", "match"),
    ("newsbot.commands.match", "subscribers"),
    ("newsbot.commands.delivery", "channels"),
    ("newsbot.commands.delivery", "deliveries"),
)


class _Cli(click.Group):
    """The command group whose invoke is the one catch-all for errors a command lets out."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort, click.ClickException, SystemExit):
            raise
        except Exception as exc:
            obj = ctx.obj or {}
            translated = _translated(exc, obj.get("database_url"))
            raise SystemExit(report(translated, verbose=bool(obj.get("verbose")))) from None


def _translated(exc: Exception, database_url: str | None) -> Exception:
    """Third-party errors that escaped their own module, in the user's terms."""
    if isinstance(exc, NewsbotError):
        return exc
    module = type(exc).__module__
    if module.startswith(("sqlalchemy", "sqlite3", "psycopg")):
        from newsbot.store import db

        translated = db.database_error(exc, url=db.database_url(database_url))
        translated.__cause__ = exc  # so -v shows the driver's traceback
        return translated
    return exc


def _config_file(_ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    """``--config`` must name a regular file of sane size: not a FIFO, a device or a folder."""
    if value is None:
        return None
    try:
        info = value.stat()
    except OSError as exc:
        raise click.BadParameter(f"{value}: {(exc.strerror or 'cannot read').lower()}") from None
    import stat

    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise click.BadParameter(f"{value}: {kind}; name a YAML file")
    from newsbot._yaml import MAX_CONFIG_BYTES  # the loader's own cap, so both refuse alike

    if info.st_size > MAX_CONFIG_BYTES:
        raise click.BadParameter(f"{value}: larger than 5 MB; not a config file")
    return value


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsbot")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    callback=_config_file,
    help="Config file (default: config/newsbot.yaml, else the bundled sample).",
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="More log output (-vv for debug; `run` is at debug with -v).",
)
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: int) -> None:
    """newsbot: polls local papers and feeds, matches subscribers' rules, pushes alerts.

    Database: NEWSBOT_DATABASE_URL (default: a SQLite file under var/).
    """
    import logging

    from newsbot._logging import configure, level_for

    # A service reports what it does: `run` logs at INFO (-v: DEBUG), the rest from WARNING.
    base = logging.INFO if ctx.invoked_subcommand == "run" else logging.WARNING
    configure(level_for(verbose, base=base))  # its handler scrubs every known secret
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    ctx.obj["config_path"] = config_path
    ctx.obj["database_url"] = os.environ.get("NEWSBOT_DATABASE_URL")


def _register() -> None:
    for module_name, attribute in COMMANDS:
        cli.add_command(getattr(importlib.import_module(module_name), attribute))


_register()


def main() -> None:
    """Entry point of the ``newsbot`` script."""
    cli(prog_name="newsbot")
