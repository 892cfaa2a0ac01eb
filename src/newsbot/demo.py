"""``newsbot demo``: the whole path on embedded defaults, in seconds.

It serves the bundled sample issue (义乌商报 2025-05-16, page 1, as page text) from a local
HTTP server on 127.0.0.1, points the config's subscribers at it, replaces every channel
with a local file sink, and runs poll -> extract -> store -> match -> render -> deliver
once. Run again, it finds nothing new and says so.

The demo runs on its own clock: the sample issue's morning (2025-05-16 09:00 in Shanghai),
moving on with real time. So it shows the same at any hour of the day (no subscriber's quiet
hours hold the merchant's alerts at 04:00) and digests are dated by the issue, not today.

Usage::

    with serve_sample() as base_url:
        settings = demo_settings(load_settings(path), base_url, sink_dir=Path("var/demo/outbox"))
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from newsbot.config import Settings
from newsbot.models import Message
from newsbot.resources import SAMPLE_ISSUE

if TYPE_CHECKING:
    from newsbot.pipeline import App, PollReport

SAMPLE_DATE = date(2025, 5, 16)
# The morning the sample issue came out: after every sample subscriber's quiet hours.
DEMO_START = datetime(2025, 5, 16, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SAMPLE_SOURCE_ID = "ywsb"
SAMPLE_PATH = "/ywsb/2025-05-16/p1.txt"


@contextmanager
def serve_sample() -> Iterator[str]:
    """Serve the bundled sample page text on 127.0.0.1 (with an ETag); yields the base URL."""
    from newsbot.testing.sites import FakeSite

    with FakeSite() as site:
        site.put(SAMPLE_PATH, SAMPLE_ISSUE.read_bytes(), content_type="text/plain; charset=utf-8")
        yield site.base_url


def demo_settings(settings: Settings, base_url: str, *, sink_dir: Path) -> Settings:
    """The config's subscribers and rules, with the sample source and every channel a file sink."""
    from newsbot.channels import CHANNEL_KINDS
    from newsbot.sources import SOURCE_KINDS

    source_data = {
        "id": SAMPLE_SOURCE_ID,
        "kind": "pagetext",
        "name": "义乌商报 (sample)",
        "paper": "义乌商报",
        "urls": [base_url + "/ywsb/{date:%Y-%m-%d}/p1.txt"],
    }
    source = SOURCE_KINDS["pagetext"].Options.model_validate(source_data)
    channels: dict[str, Any] = {}
    references: dict[str, dict[str, Any]] = {}
    for channel_id in settings.channels:
        data = {"id": channel_id, "kind": "file", "path": str(sink_dir / f"{channel_id}.txt")}
        channels[channel_id] = CHANNEL_KINDS["file"].Options.model_validate(data)
        references[channel_id] = data
    return replace(
        settings,
        sources={SAMPLE_SOURCE_ID: source},
        source_references={SAMPLE_SOURCE_ID: source_data},
        channels=channels,
        channel_references=references,
        version=settings.version + "-demo",
    )


DEMO_DATABASE_URL = "sqlite:///var/demo/newsbot.db"
DEMO_SINK_DIR = Path("var/demo/outbox")


def demo_clock(start: datetime = DEMO_START) -> Callable[[], datetime]:
    """A clock that reads ``start`` (in UTC) when made and then moves on with real time."""
    origin_s = time.monotonic()
    start_utc = start.astimezone(UTC)

    def now() -> datetime:
        return start_utc + timedelta(seconds=time.monotonic() - origin_s)

    return now


@dataclass
class DemoReport:
    """What one demo run did, for the closing report."""

    poll: PollReport
    digests_queued: int
    sent: list[tuple[str, Message]]
    failed: int
    held: list[Held]  # alerts of this run waiting for a subscriber's quiet hours to end
    still_held: int = 0  # held by an earlier run and still waiting

    def lines(self) -> list[str]:
        """The short closing report."""
        p = self.poll
        if p.outcome in {"new", "updated"}:
            found = f"issue found: {p.paper} {p.issue_date} ({p.issue_key}), {p.articles_new} articles stored"
        elif p.outcome in {"unchanged", "not_modified"}:
            found = "nothing new: the sample issue was already stored (`make clean` starts over)"
        else:
            found = f"poll {p.outcome}: {p.error}"
        lines = [
            found,
            f"matches: {p.matches} (subscriber, article) pairs; alerts queued: {p.alerts}; digest messages queued: {self.digests_queued}",
            f"messages sent: {len(self.sent)}"
            + (f"; failed: {self.failed}" if self.failed else ""),
        ]
        for held in self.held:
            lines.append(
                f"held for quiet hours: {held.count} for {held.subscriber} "
                f"(quiet {held.quiet_hours}; sent after {held.until})"
            )
        if self.still_held:
            lines.append(f"still held from an earlier run: {self.still_held}")
        return lines


@dataclass(frozen=True)
class Held:
    """Alerts of one subscriber held by quiet hours, and until when."""

    subscriber: str
    quiet_hours: str
    count: int
    until: str


async def run_demo(app: App) -> DemoReport:
    """Apply the demo config, poll the sample once, queue digests, send everything due.

    What it reports was sent or held by this run only (rows it did not find before).
    """
    from newsbot.digest import queue_all_digests
    from newsbot.pipeline import poll_source, send_due

    app.sync_config()
    before = _last_delivery_id(app)
    poll = await poll_source(app, SAMPLE_SOURCE_ID, day=SAMPLE_DATE)
    digests = queue_all_digests(app)
    outbox_report = await send_due(app)
    now = app.clock()
    return DemoReport(
        poll,
        digests,
        sent_after(app, before),
        outbox_report.failed + outbox_report.dead,
        held=held_after(app, now, after_id=before),
        still_held=sum(h.count for h in held_after(app, now, up_to_id=before)),
    )


def _last_delivery_id(app: App) -> int:
    from newsbot.store.console import last_delivery_id

    with app.session() as session:
        return last_delivery_id(session)


def held_after(
    app: App, now: datetime, *, after_id: int = 0, up_to_id: int | None = None
) -> list[Held]:
    """Pending deliveries not due before ``now`` (held by quiet hours), per subscriber."""
    from newsbot.store.console import held_deliveries
    from newsbot.store.db import as_utc

    with app.session() as session:
        rows = held_deliveries(session, now=now, after_id=after_id, up_to_id=up_to_id)
    held = []
    for stored_id, count, until in rows:
        subscriber_id = stored_id or "-"  # admin notices belong to no subscriber
        subscriber = app.settings.subscribers.get(subscriber_id)
        settings = subscriber.settings if subscriber else None
        zone = ZoneInfo(settings.timezone) if settings else UTC
        when = as_utc(until).astimezone(zone)
        quiet = (settings.quiet_hours if settings else None) or "-"
        held.append(Held(subscriber_id, quiet, count, when.strftime("%Y-%m-%d %H:%M %Z")))
    return held


def sent_after(app: App, after_id: int) -> list[tuple[str, Message]]:
    """(channel id, message) of every delivery made after row ``after_id`` and sent, in order."""
    from newsbot.outbox import message_from_json
    from newsbot.store.console import sent_deliveries

    with app.session() as session:
        rows = sent_deliveries(session, after_id=after_id)
    return [(r.channel_id, message_from_json(r.message_json)) for r in rows]
