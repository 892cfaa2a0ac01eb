"""The ``newsbot`` command line: thin commands that parse arguments and call services.

Each command group lives in its own module under ``newsbot.commands`` and is imported
here; those modules import heavy things (jieba, SQLAlchemy, httpx) inside the command
functions, so ``newsbot --help`` stays fast.
"""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path

import click

from newsbot import __version__

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsbot")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Config file (default: config/newsbot.yaml, else the bundled sample).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: int) -> None:
    """newsbot: polls local papers and feeds, matches subscribers' rules, pushes alerts.

    Database: NEWSBOT_DATABASE_URL (default: a SQLite file under var/).
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(
        level=max(level, logging.DEBUG), format="%(levelname)s %(name)s %(message)s"
    )
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    ctx.obj["database_url"] = os.environ.get("NEWSBOT_DATABASE_URL")


def _register() -> None:
    for module_name, attribute in COMMANDS:
        cli.add_command(getattr(importlib.import_module(module_name), attribute))


_register()


def main() -> None:
    """Entry point of the ``newsbot`` script."""
    cli(prog_name="newsbot")
