"""``newsbot channels list|test NAME`` and ``newsbot deliveries``: look at delivery by hand.

Usage::

    newsbot channels list                 # every configured channel, redacted, with its state
    newsbot channels test merchants-wecom # send a test message now, print the platform's answer
    newsbot deliveries --failed --limit 20

``channels test`` sends directly (no outbox, no retry) so the answer printed is the platform's
own; it exits 1 when the platform refused. Secrets never print: describe() redacts them.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from newsbot.channels import Channel
    from newsbot.pipeline import App


@click.group("channels")
def channels() -> None:
    """Delivery channels of the config: list them, send a test message."""


@channels.command("list")
@click.pass_context
def list_channels(ctx: click.Context) -> None:
    """One line per channel: id, kind, format, where it posts (redacted), active/failing."""
    from newsbot.channels import build_channel
    from newsbot.commands._common import open_app
    from newsbot.errors import short_error
    from newsbot.pipeline import missing_secrets
    from newsbot.store.tables import ChannelRow

    with open_app(ctx) as app, app.session() as session:
        for channel_id, options in sorted(app.settings.channels.items()):
            row = session.get(ChannelRow, channel_id)
            state = "inactive" if not options.active else "active"
            if missing := missing_secrets(options):
                state = f"waiting: secret {', '.join(missing)} not set"
            if row is not None and row.failing:
                state += ", FAILING: " + short_error(row.last_error or "")
            click.echo(f"{build_channel(options).describe()}  [{state}]")
        if not app.settings.channels:
            click.echo("no channels in the config")


@channels.command("test")
@click.argument("name")
@click.pass_context
def test_channel(ctx: click.Context, name: str) -> None:
    """Send a test message to channel NAME now and print the platform's answer."""
    from newsbot.channels import build_channel
    from newsbot.commands._common import open_app
    from newsbot.errors import DeliveryError, UserError
    from newsbot.pipeline import missing_secrets

    with open_app(ctx) as app:
        options = app.settings.channels.get(name)
        if options is None:
            known = ", ".join(sorted(app.settings.channels)) or "none"
            raise click.BadParameter(
                f"unknown channel {name!r} (known: {known})", param_hint="NAME"
            )
        if missing := missing_secrets(options):
            raise UserError(
                f"channel {name} cannot send: secret {', '.join(missing)} is not set "
                "(see `newsbot config check`)",
                exit_code=2,
            )
        channel = app.channels().get(name) or build_channel(options)
        click.echo(f"sending a test message through {channel.describe()}")
        try:
            answers = asyncio.run(_send_test(app, channel))
        except DeliveryError as exc:
            raise UserError(f"{name} refused the message: {channel.redact(str(exc))}") from None
    for answer in answers:
        click.echo(channel.redact(answer))  # a platform may echo the request, key included


async def _send_test(app: App, channel: Channel) -> list[str]:
    from newsbot.render import render_test

    answers = []
    async with app.delivery_client() as client:
        for message in render_test(channel.kind, templates_dir=app.settings.templates_dir):
            answers.append(await channel.send(client, message, now=app.clock()))
    return answers


@click.command("deliveries")
@click.option("--failed", is_flag=True, help="Only failed (retrying) and dead deliveries.")
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(1, 10_000), help="Rows."
)
@click.pass_context
def deliveries(ctx: click.Context, failed: bool, limit: int) -> None:
    """The delivery log, newest first: state, attempts, channel, title, last error."""
    from newsbot.commands._common import open_app
    from newsbot.errors import short_error
    from newsbot.store.console import deliveries as stored_deliveries
    from newsbot.store.outbox import DEAD, FAILED

    with open_app(ctx) as app, app.session() as session:
        states = (FAILED, DEAD) if failed else ()
        rows = stored_deliveries(session, states=states, limit=limit)
        for row in rows:
            title = json.loads(row.message_json).get("title", "")
            when = row.sent_at if row.state == "sent" else row.next_attempt_at
            stamp = when.strftime("%Y-%m-%d %H:%M") if when else "-"
            line = f"{row.id:>6} {row.state:<7} x{row.attempts} {stamp} {row.channel_id} {row.kind}: {title}"
            click.echo(line)
            if row.last_error and row.state != "sent":
                click.echo(f"{'':>8}error: {short_error(row.last_error)}")
    if not rows:
        click.echo("no failed deliveries" if failed else "no deliveries yet")
