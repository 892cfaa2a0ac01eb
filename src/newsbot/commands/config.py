"""``newsbot config``: validate the YAML, and sync it into the database."""

from __future__ import annotations

import click


@click.group("config")
def config() -> None:
    """Check the config files, apply them to the database."""


@config.command("check")
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate the config; print each problem as file:line: message (exit 1 if any)."""
    from newsbot.config import default_config_path, load_settings
    from newsbot.errors import ConfigError

    path = default_config_path(ctx.obj["config_path"])
    try:
        settings = load_settings(path)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1) from None
    for warning in settings.warnings:
        click.echo(f"{warning} (warning)", err=True)
    click.echo(
        f"{path}: ok ({len(settings.sources)} sources, {len(settings.channels)} channels, "
        f"{len(settings.subscribers)} subscribers, {len(settings.rules)} rules, {len(settings.topics)} topics)"
    )


@config.command("apply")
@click.option("--dry-run", is_flag=True, help="Print the difference, change nothing.")
@click.pass_context
def apply(ctx: click.Context, dry_run: bool) -> None:
    """Sync the config into the database in one transaction; print what changed."""
    from newsbot.commands._common import open_app
    from newsbot.store.sync import apply_settings

    with open_app(ctx) as app, app.session() as session:
        diff = apply_settings(session, app.settings, now=app.clock(), dry_run=dry_run)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    click.echo(diff.render())
    if dry_run and not diff.empty:
        click.echo("(dry run: nothing changed)")


@config.command("schema")
def schema() -> None:
    """Print the JSON Schema of the config file (editors check newsbot.yaml against it)."""
    from newsbot.config_schema import schema_text

    click.echo(schema_text(), nl=False)
