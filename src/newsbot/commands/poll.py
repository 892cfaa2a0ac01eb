"""``newsbot poll --once`` and ``newsbot backfill``: poll sources by hand.

Usage::

    newsbot poll --once                         # every active source, today's issue
    newsbot poll --once --source ywsb --date 2025-05-16
    newsbot backfill --source ywsb --since 2025-05-01 --until 2025-05-16

Both store what they find through the pipeline (an issue once per source and date, so a
second run changes nothing). ``backfill`` never alerts subscribers. Exit status 1 when a
source failed (an error, or an anti-bot wall).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import date, timedelta
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from newsbot.pipeline import App, PollReport

FAILED = frozenset({"error", "blocked"})
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_BACKFILL_DAYS = 400  # a year and some; more needs --force (one request per day, at least)


class _Day(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click
    """A calendar date written YYYY-MM-DD; anything else is "not a date", exit 2."""

    name = "date"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> date:
        if isinstance(value, date):
            return value
        text = str(value).strip()
        try:
            if _ISO_DAY.fullmatch(text):
                return date.fromisoformat(text)
        except ValueError:
            pass
        return self.fail(f"{text[:40]!r} is not a date (YYYY-MM-DD, a day that exists)", param, ctx)


_DATE = _Day()


@click.command("poll")
@click.option(
    "--once", is_flag=True, help="Poll once and exit (required: `newsbot run` schedules)."
)
@click.option("--source", "source_id", default=None, metavar="ID", help="Only this source.")
@click.option(
    "--date",
    "day",
    type=_DATE,
    default=None,
    metavar="DATE",
    help="The issue of this date (YYYY-MM-DD).",
)
@click.pass_context
def poll(ctx: click.Context, once: bool, source_id: str | None, day: date | None) -> None:
    """Poll sources once: fetch new issues, store them, queue alerts; one line per source."""
    from newsbot.commands._common import open_app
    from newsbot.pipeline import poll_all, poll_source

    if not once:
        raise click.UsageError("only --once is supported; `newsbot run` polls on schedule")
    with open_app(ctx) as app:
        if source_id is not None and source_id not in app.settings.sources:
            known = ", ".join(sorted(app.settings.sources)) or "none"
            raise click.BadParameter(
                f"unknown source {source_id!r} (known: {known})", param_hint="--source"
            )
        app.sync_config()
        if source_id is not None:
            reports = [asyncio.run(poll_source(app, source_id, day=day))]
        else:
            reports = asyncio.run(poll_all(app, day=day))
    for report in reports:
        click.echo(report.line())
    if not reports:
        click.echo("no active sources in the config")
    if any(r.outcome in FAILED for r in reports):
        raise SystemExit(1)


@click.command("backfill")
@click.option("--source", "source_id", required=True, metavar="ID", help="The source to fill.")
@click.option(
    "--since", type=_DATE, required=True, metavar="DATE", help="First issue date (YYYY-MM-DD)."
)
@click.option(
    "--until", type=_DATE, default=None, metavar="DATE", help="Last issue date (default: today)."
)
@click.option("--force", is_flag=True, help=f"Allow a span of more than {MAX_BACKFILL_DAYS} days.")
@click.pass_context
def backfill(
    ctx: click.Context, source_id: str, since: date, until: date | None, force: bool
) -> None:
    """Store past issues of one source, day by day, without alerting anyone; safe to re-run.

    Prints the plan (first day, last day, number of days) before the first request.
    """
    from newsbot.commands._common import open_app

    with open_app(ctx) as app:
        options = app.settings.sources.get(source_id)
        if options is None:
            raise click.BadParameter(f"unknown source {source_id!r}", param_hint="--source")
        today = app.clock().astimezone(options.tz).date()
        days = _plan(since, until, today=today, force=force)
        click.echo(f"backfill {source_id}: {days[0]} to {days[-1]}, {len(days)} days")
        app.sync_config()
        reports = asyncio.run(_backfill(app, source_id, days))
    _summarise(reports)
    if any(r.outcome in FAILED for r in reports):
        raise SystemExit(1)


def _plan(since: date, until: date | None, *, today: date, force: bool) -> list[date]:
    """The days to fill, checked before anything is fetched (usage errors, exit 2)."""
    if until is None and since > today:
        raise click.BadParameter(
            f"{since} is in the future (today is {today})", param_hint="--since"
        )
    last = until or today
    if since > last:
        raise click.BadParameter(f"--since {since} is after --until {last}", param_hint="--since")
    span = (last - since).days + 1
    if span > MAX_BACKFILL_DAYS and not force:
        raise click.BadParameter(
            f"{since} to {last} is {span} days, more than {MAX_BACKFILL_DAYS}: "
            "narrow it, or pass --force",
            param_hint="--since",
        )
    return _days(since, last)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


async def _backfill(app: App, source_id: str, days: list[date]) -> list[PollReport]:
    """Poll each day in turn on one client; the progress bar moves per day."""
    from newsbot.pipeline import poll_source

    reports = []
    async with app.http_client() as client:
        with click.progressbar(days, label=f"backfilling {source_id}", show_pos=True) as bar:
            for day in bar:
                report = await poll_source(app, source_id, day=day, notify=False, client=client)
                reports.append(report)
    return reports


def _summarise(reports: list[PollReport]) -> None:
    for report in reports:
        if report.outcome not in {"no_issue", "not_modified", "unchanged"}:
            click.echo(report.line())
    counts = Counter(r.outcome for r in reports)
    click.echo(
        ", ".join(f"{n} {outcome.replace('_', ' ')}" for outcome, n in sorted(counts.items()))
    )


__all__ = ["backfill", "poll"]
