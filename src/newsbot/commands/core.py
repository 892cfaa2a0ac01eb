"""``newsbot demo``, ``newsbot run`` and ``newsbot status``."""

from __future__ import annotations

import asyncio
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from newsbot.store.latency import IssueLatency
    from newsbot.store.tables import SourceRow


@click.command("demo")
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Run the whole path once on the bundled sample issue, delivering to local files.

    Uses var/demo/newsbot.db (or NEWSBOT_DATABASE_URL) and writes messages under
    var/demo/outbox/. Run it twice: the second run finds nothing new.
    """
    from newsbot import demo as demo_module
    from newsbot.config import default_config_path, load_settings
    from newsbot.pipeline import App
    from newsbot.store.db import open_database
    from newsbot.store.schema import upgrade

    settings = load_settings(default_config_path(ctx.obj["config_path"]))
    engine = open_database(ctx.obj["database_url"] or demo_module.DEMO_DATABASE_URL, create=True)
    try:
        upgrade(engine)
        with demo_module.serve_sample() as base_url:
            click.echo(f"serving the sample issue (义乌商报 2025-05-16, page 1) at {base_url}")
            click.echo(
                f"demo clock: {demo_module.DEMO_START:%Y-%m-%d %H:%M} Asia/Shanghai, the issue's "
                "morning, so the demo shows the same at any hour"
            )
            app = App(
                demo_module.demo_settings(settings, base_url, sink_dir=demo_module.DEMO_SINK_DIR),
                engine,
                clock=demo_module.demo_clock(),
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
@click.option(
    "--http",
    "http_listen",
    default=None,
    metavar="HOST:PORT",
    help="Serve health, metrics and the console here (default: http.listen of the config; off).",
)
@click.pass_context
def run(ctx: click.Context, http_listen: str | None) -> None:
    """Run the service: poll sources on schedule, send alerts at once and digests at their hour.

    Stops cleanly on SIGINT/SIGTERM; pending deliveries are sent on the next start.
    """
    from newsbot.commands._common import open_app
    from newsbot.pipeline import missing_secrets
    from newsbot.scheduler import run_service

    with open_app(ctx) as app:
        from newsbot.web import open_listener, serve_beside

        listener = open_listener(app.settings.http, http_listen)  # refuses before anything runs
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
        if listener is not None:
            from newsbot.scheduler import Service

            click.echo(f"console and /metrics at {listener.url}")
            asyncio.run(serve_beside(Service(app), listener))
        else:
            asyncio.run(run_service(app))
    click.echo("newsbot stopped")


@click.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show each source's health (failures, last outcome, next poll) and the outbox.

    Times are in the config's time zone.
    """
    from collections import Counter
    from zoneinfo import ZoneInfo

    from newsbot.commands._common import open_app
    from newsbot.errors import short_error
    from newsbot.store.console import delivery_counts, source_health
    from newsbot.store.latency import latest_issue_latency

    with open_app(ctx) as app, app.session() as session:
        zone = ZoneInfo(app.settings.timezone)
        click.echo(f"sources (times in {app.settings.timezone}):")
        rows = source_health(session)  # active first, then by id; the console's own list
        for row, issues in rows:
            click.echo(
                f"  {row.id}{'' if row.active else ' (removed)'}: {_health(row, issues, zone)}"
            )
            if (latency := latest_issue_latency(session, row.id)) is not None:
                click.echo(f"    {_latency_line(latency, zone)}")
            if row.last_error:
                click.echo(f"    last error: {short_error(row.last_error)}")
        if not rows:
            click.echo(
                "  none yet (`newsbot config apply` or `newsbot run` adds the config's sources)"
            )
        by_state: Counter[str] = Counter()
        for _channel, state, count in delivery_counts(session):
            by_state[state] += count
        summary = ", ".join(f"{state} {n}" for state, n in sorted(by_state.items())) or "empty"
        click.echo(f"outbox: {summary}")


def _health(row: SourceRow, issues: int, zone: tzinfo) -> str:
    """One source's line: never polled, or its last outcome, failures, issues, next poll."""
    next_poll = (
        f"next poll {_when(row.next_poll_at, zone)}" if row.next_poll_at else "not scheduled"
    )
    if row.last_polled_at is None:
        return f"never polled yet, {issues} issues, {next_poll}"
    failures = (
        f", {row.consecutive_failures} consecutive failures" if row.consecutive_failures else ""
    )
    return (
        f"last {row.last_outcome or 'poll'} at {_when(row.last_polled_at, zone)}{failures}, "
        f"{issues} issues, {next_poll}"
    )


def _when(value: datetime, zone: tzinfo) -> str:
    from newsbot.store.db import as_utc

    return as_utc(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _warm_up() -> None:
    """Load what the first new issue needs before polling starts: jieba's dictionaries take
    seconds to load, which would otherwise delay that issue's first alert."""
    from newsbot.extract._keywords import keywords_for  # the one slow first call of extract

    keywords_for("义乌商报", "本报讯")


def _latency_line(latency: IssueLatency, zone: tzinfo) -> str:
    """``last issue 2025-05-16 seen 2025-05-16 06:01, first alert 1.4 s later``."""
    seen = _when(latency.seen_at, zone)
    took = latency.first_alert_s
    first = "no alert sent yet" if took is None else f"first alert {took:.1f} s later"
    return f"last issue {latency.issue_key} seen {seen}, {first}"


__all__ = ["demo", "run", "status"]
