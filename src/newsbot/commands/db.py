"""``newsbot db``: schema migrations."""

from __future__ import annotations

import click


@click.group("db")
def db() -> None:
    """Database schema: upgrade to this version, show the current one."""


@db.command("upgrade")
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Create or migrate the schema to this newsbot's version."""
    from newsbot.store.db import database_url, open_database
    from newsbot.store.schema import upgrade as run_upgrade

    engine = open_database(database_url(ctx.obj["database_url"]), create=True)
    try:
        before, after = run_upgrade(engine)
    finally:
        engine.dispose()
    if before == after:
        click.echo(f"schema already at {after}")
    else:
        click.echo(f"schema upgraded from {before or 'empty'} to {after}")


@db.command("current")
@click.pass_context
def current(ctx: click.Context) -> None:
    """Print the schema version of the database and of this newsbot."""
    from newsbot.store.db import database_url, open_database
    from newsbot.store.schema import current_revision, head_revision, refuse_foreign

    engine = open_database(database_url(ctx.obj["database_url"]), create=False)
    try:
        current = current_revision(engine)
        if current is None:
            refuse_foreign(engine)
        click.echo(f"database: {current or 'empty'}; newsbot: {head_revision()}")
    finally:
        engine.dispose()
