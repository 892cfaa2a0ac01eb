"""``newsbot demo``: the whole path on embedded defaults, in seconds.

It serves the bundled sample issue (义乌商报 2025-05-16, page 1, as page text) from a local
HTTP server on 127.0.0.1, points the config's subscribers at it, replaces every channel
with a local file sink, and runs poll -> extract -> store -> match -> render -> deliver
once. Run again, it finds nothing new and says so.

Usage::

    with serve_sample() as base_url:
        settings = demo_settings(load_settings(path), base_url, sink_dir=Path("var/demo/outbox"))
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsbot.config import Settings
from newsbot.models import Message
from newsbot.resources import SAMPLE_ISSUE

if TYPE_CHECKING:
    from newsbot.pipeline import App, PollReport

SAMPLE_DATE = date(2025, 5, 16)
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


@dataclass
class DemoReport:
    """What one demo run did, for the closing report."""

    poll: PollReport
    digests_queued: int
    sent: list[tuple[str, Message]]
    failed: int
    held: int = 0  # alerts waiting for a subscriber's quiet hours to end

    def lines(self) -> list[str]:
        """The short closing report."""
        p = self.poll
        if p.outcome in {"new", "updated"}:
            found = f"issue found: {p.paper} {p.issue_date} ({p.issue_key}), {p.articles_new} articles stored"
        elif p.outcome in {"unchanged", "not_modified"}:
            found = (
                "nothing new: the sample issue was already stored (delete var/demo to start over)"
            )
        else:
            found = f"poll {p.outcome}: {p.error}"
        return [
            found,
            f"matches: {p.matches} (subscriber, article) pairs; alerts queued: {p.alerts}; digest messages queued: {self.digests_queued}",
            f"messages sent: {len(self.sent)}"
            + (f"; failed: {self.failed}" if self.failed else "")
            + (f"; held for quiet hours: {self.held}" if self.held else ""),
        ]


async def run_demo(app: App) -> DemoReport:
    """Apply the demo config, poll the sample once, queue digests, send everything due."""
    from newsbot.digest import queue_all_digests
    from newsbot.pipeline import poll_source, send_due

    started = app.clock()
    app.sync_config()
    poll = await poll_source(app, SAMPLE_SOURCE_ID, day=SAMPLE_DATE)
    digests = queue_all_digests(app)
    outbox_report = await send_due(app)
    return DemoReport(
        poll,
        digests,
        sent_since(app, started),
        outbox_report.failed + outbox_report.dead,
        held=held_after(app, app.clock()),
    )


def held_after(app: App, now: datetime) -> int:
    """Pending deliveries not due before ``now``: alerts held for quiet hours."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from newsbot.store.tables import DeliveryRow

    with app.session() as session:
        return session.exec(
            select(func.count()).where(
                DeliveryRow.state == "pending", col(DeliveryRow.next_attempt_at) > now
            )
        ).one()


def sent_since(app: App, since: datetime) -> list[tuple[str, Message]]:
    """(channel id, message) of every delivery sent at or after ``since``, in order."""
    from sqlmodel import col, select

    from newsbot.outbox import message_from_json
    from newsbot.store.tables import DeliveryRow

    with app.session() as session:
        rows = session.exec(
            select(DeliveryRow)
            .where(DeliveryRow.state == "sent", col(DeliveryRow.sent_at) >= since)
            .order_by(col(DeliveryRow.id))
        ).all()
        return [(r.channel_id, message_from_json(r.message_json)) for r in rows]
