"""``newsbot config``: validate the YAML, and sync it into the database."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from newsbot.config import Settings
    from newsbot.errors import ConfigProblem


@click.group("config")
def config() -> None:
    """Check the config files, apply them to the database."""


@config.command("check")
@click.option(
    "--strict",
    is_flag=True,
    help="Also require every {$env: NAME} to be set, and open the database.",
)
@click.pass_context
def check(ctx: click.Context, strict: bool) -> None:
    """Validate the config as a run would, short of the network; each problem as file:line.

    Exit 2 when anything is wrong. With --strict, an unset {$env: NAME} is an error (not a
    warning) and the database must open with a current schema.
    """
    from newsbot.config import default_config_path, load_settings
    from newsbot.errors import ConfigError

    path = default_config_path(ctx.obj["config_path"])
    settings = load_settings(path, strict=strict)  # a ConfigError is printed by the CLI
    for warning in settings.warnings:
        click.echo(f"{warning} (warning)", err=True)
    problems = [*settings.runtime_problems, *_template_problems(settings)]
    if problems:
        raise ConfigError(problems)
    if strict:
        _open_database(ctx)
    click.echo(
        f"{path}: ok ({len(settings.sources)} sources, {len(settings.channels)} channels, "
        f"{len(settings.subscribers)} subscribers, {len(settings.rules)} rules, {len(settings.topics)} topics)"
    )


def _template_problems(settings: Settings) -> list[ConfigProblem]:
    """Templates of ``templates_dir`` that would fail at send time: syntax, then a test render."""
    from jinja2 import Environment, TemplateError, TemplateSyntaxError

    from newsbot.errors import ConfigProblem
    from newsbot.render import render_test

    folder = settings.templates_dir
    if folder is None:  # the built-in templates are tested with newsbot itself
        return []
    problems = []
    for path in sorted(folder.rglob("*.j2")):
        try:
            Environment().parse(path.read_text(encoding="utf-8"))
        except TemplateSyntaxError as exc:
            problems.append(ConfigProblem(str(path), exc.lineno, f"template: {exc.message}"))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(ConfigProblem(str(path), None, f"template cannot be read: {exc}"))
    if problems:
        return problems
    for kind in sorted({options.kind for options in settings.channels.values()}):
        try:
            render_test(kind, templates_dir=folder)
        except (TemplateError, ValueError, TypeError) as exc:
            problems.append(
                ConfigProblem(str(folder), None, f"the {kind} alert template fails: {exc}")
            )
    return problems


def _open_database(ctx: click.Context) -> None:
    """Connect once and check the schema, as `run` does (the same ``open_current``)."""
    from newsbot.store.db import database_url
    from newsbot.store.schema import open_current

    open_current(database_url(ctx.obj["database_url"])).dispose()


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
