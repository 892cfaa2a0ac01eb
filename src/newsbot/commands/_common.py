"""Helpers shared by the command modules: opening the app for one invocation.

Errors are not printed here: they travel up to the command line's one catch-all
(``newsbot.cli``), which prints them through :func:`newsbot.errors.report`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from newsbot.pipeline import App


@contextmanager
def open_app(ctx: click.Context, *, check_schema: bool = True) -> Iterator[App]:
    """The App for this invocation: the config loaded, the database checked (unless told not)."""
    from newsbot.pipeline import App

    with App.open(
        ctx.obj["config_path"], ctx.obj["database_url"], check_schema=check_schema
    ) as app:
        yield app
