"""``newsbot demo``, ``newsbot run`` and ``newsbot status``."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from newsbot.store.latency import IssueLatency


@click.command("demo")
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Run the whole path once on the bundled sample issue, delivering to local files.

    Uses var/demo/newsbot.db (or NEWSBOT_DATABASE_URL) and writes messages under
    var/demo/outbox/. Run it twice: the second run finds nothing new.
    """
    from newsbot import demo as demo_module
    from newsbot.config import default_config_path, load_settings
    from newsbot.errors import ConfigError
    from newsbot.pipeline import App
    from newsbot.store.db import make_engine
    from newsbot.store.schema import upgrade

    try:
        settings = load_settings(default_config_path(ctx.obj["config_path"]))
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1) from None
    engine = make_engine(ctx.obj["database_url"] or demo_module.DEMO_DATABASE_URL)
    try:
        upgrade(engine)
        with demo_module.serve_sample() as base_url:
            click.echo(f"serving the sample issue (义乌商报 2025-05-16, page 1) at {base_url}")
            app = App(
                demo_module.demo_settings(settings, base_url, sink_dir=demo_module.DEMO_SINK_DIR),
                engine,
            )
            report = asyncio.run(demo_module.run_demo(app))
    finally:
        engine.dispose()
    for channel_id, message in report.sent:
        part = f" (part {message.part}/{message.parts})" if message.parts > 1 else ""
        click.echo(
            f"\n=== {message.kind} -> {channel_id}{part} [{demo_module.DEMO_SINK_DIR / channel_id}.txt]"
        )
        click.echo(message.body)
    click.echo("")
    for line in report.lines():
        click.echo(line)


@click.command("run")
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the service: poll sources on schedule, send alerts at once and digests at their hour.

    Stops cleanly on SIGINT/SIGTERM; pending deliveries are sent on the next start.
    """
    from newsbot._logging import configure, level_for
    from newsbot.commands._common import open_app
    from newsbot.scheduler import run_service

    # A service reports what it does: INFO, and -v for debug.
    configure(level_for(ctx.obj.get("verbose", 0), base=logging.INFO))
    from newsbot.pipeline import missing_secrets

    with open_app(ctx) as app:
        app.sync_config()
        for channel_id, options in app.settings.channels.items():
            if missing := missing_secrets(options):
                click.echo(
                    f"channel {channel_id} waits: secret {', '.join(missing)} not set "
                    "(its messages stay in the outbox until it is)",
                    err=True,
                )
        click.echo(
            f"newsbot running: {len(app.sources())} sources, {len(app.settings.subscribers)} subscribers"
        )
        _warm_up()
        asyncio.run(run_service(app))
    click.echo("newsbot stopped")


@click.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show each source's health (failures, last outcome, next poll, latest issue) and the outbox."""
    from sqlalchemy import func
    from sqlmodel import select

    from newsbot.commands._common import open_app
    from newsbot.store.latency import latest_issue_latency
    from newsbot.store.tables import DeliveryRow, IssueRow, SourceRow

    with open_app(ctx) as app, app.session() as session:
        click.echo("sources:")
        for row in session.exec(select(SourceRow).order_by(SourceRow.id)).all():
            issues = session.exec(select(func.count()).where(IssueRow.source_id == row.id)).one()
            flag = "" if row.active else " (removed)"
            click.echo(
                f"  {row.id}{flag}: last {row.last_outcome or 'never polled'}"
                f" at {_when(row.last_polled_at)}, {row.consecutive_failures} consecutive failures,"
                f" {issues} issues, next poll {_when(row.next_poll_at)}"
            )
            if (latency := latest_issue_latency(session, row.id)) is not None:
                click.echo(f"    {_latency_line(latency)}")
            if row.last_error:
                click.echo(f"    last error: {row.last_error}")
        counts = session.exec(
            select(DeliveryRow.state, func.count()).group_by(DeliveryRow.state)
        ).all()
        summary = ", ".join(f"{state} {count}" for state, count in sorted(counts)) or "empty"
        click.echo(f"outbox: {summary}")


def _warm_up() -> None:
    """Load what the first new issue needs before polling starts: jieba's dictionaries take
    seconds to load, which would otherwise delay that issue's first alert."""
    from newsbot.extract._keywords import keywords_for  # the one slow first call of extract

    keywords_for("义乌商报", "本报讯")


def _latency_line(latency: IssueLatency) -> str:
    """``last issue 2025-05-16 seen 2025-05-16 06:01:02 UTC, first alert 1.4 s later``."""
    seen = latency.seen_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    took = latency.first_alert_s
    first = "no alert sent yet" if took is None else f"first alert {took:.1f} s later"
    return f"last issue {latency.issue_key} seen {seen}, {first}"


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if hasattr(value, "strftime") else "-"


__all__ = ["demo", "run", "status"]
