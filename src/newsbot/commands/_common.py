"""Helpers shared by the command modules: opening the app, printing errors the same way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from newsbot.errors import ConfigError, NewsbotError

if TYPE_CHECKING:
    from newsbot.pipeline import App


@contextmanager
def open_app(ctx: click.Context, *, check_schema: bool = True) -> Iterator[App]:
    """The App for this invocation; config and schema errors become one clean message, exit 1."""
    from newsbot.pipeline import App

    try:
        with App.open(
            ctx.obj["config_path"], ctx.obj["database_url"], check_schema=check_schema
        ) as app:
            yield app
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1) from None
    except NewsbotError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None
