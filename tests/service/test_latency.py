"""Alert latency: the first page's alerts are queued while the issue is still being walked,
and ``newsbot status`` shows when the last issue was seen and how long its first alert took.

A Founder "pc" replica (FakeSite) with three pages; a real SQLite file and PostgreSQL.
Ordering is asserted, never time: when the outbox is woken, the first page's alert is a
committed row and the site has not yet served any other page.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlmodel import Session, select

from newsbot.cli import cli
from newsbot.config import load_settings
from newsbot.models import RawIssue
from newsbot.pipeline import App, poll_source, send_due
from newsbot.sources import Schedule, SourceState, build_source, next_poll_at
from newsbot.store.tables import DeliveryRow
from newsbot.testing.sites import FakeArticle, FakePage, FakeSite

DAY = date(2025, 5, 16)
PAGES = [
    FakePage(
        "要闻",
        [
            FakeArticle(
                "警方提醒：谨防电信网络诈骗新套路", "本报讯 近日，警方破获一起电信网络诈骗案。"
            ),
            FakeArticle("国际商贸城客流创新高", "本报讯 昨日，商贸城客流再创新高。"),
        ],
    ),
    FakePage("综合", [FakeArticle("稠州路改造完工", "本报讯 稠州路改造工程完工通车。")]),
    FakePage("商贸", [FakeArticle("反洗钱宣传走进市场", "本报讯 反洗钱宣传活动走进市场。")]),
]


def _app(tmp_path: Path, site: FakeSite, engine: Engine, *, backfill: bool = False) -> App:
    config = tmp_path / "newsbot.yaml"
    config.write_text(
        f"""\
sources:
  - id: ywsb
    kind: epaper
    paper: 义乌商报
    preset: founder-pc
    url: "{site.url("/layout/{date:%Y%m/%d}/node_01.html")}"
    min_interval_s: 0.05
    backfill: {str(backfill).lower()}
channels:
  - id: box
    kind: file
    path: {tmp_path / "box.txt"}
subscribers:
  - id: chen
    channels: [box]
    rules:
      - id: fraud
        match: '电信网络诈骗 OR 反洗钱'
        deliver: alert
""",
        encoding="utf-8",
    )
    return App(load_settings(config), engine)


@pytest.fixture
def site() -> Iterator[FakeSite]:
    """The replica site, serving one issue of three pages."""
    with FakeSite() as fake:
        fake.publish_founder_pc(DAY, PAGES)
        yield fake


def _alert_headlines(engine: Engine) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(select(DeliveryRow).where(DeliveryRow.kind == "alert")).all()
    return sorted(re.sub(r"\s+", "", row.message_json) for row in rows)


def test_first_page_alerts_are_queued_before_the_walk_ends(
    engine: Engine, tmp_path: Path, site: FakeSite
) -> None:
    """When the outbox is woken, the front page's matching article already has its alert
    row, and no other page of the issue has been requested yet; the poll then stores the
    whole issue, alerts the page-3 match too, and reports one new issue with both alerts."""
    app = _app(tmp_path, site, engine)
    seen_at_wake: list[tuple[list[str], list[str]]] = []

    def wake() -> None:
        later_pages = [
            r.path for r in site.requests if "node_0" in r.path and "node_01" not in r.path
        ]
        seen_at_wake.append((_alert_headlines(engine), later_pages))

    report = asyncio.run(poll_source(app, "ywsb", day=DAY, wake=wake))
    assert len(seen_at_wake) == 1
    queued, later_pages = seen_at_wake[0]
    assert len(queued) == 1
    assert "电信网络诈骗" in queued[0]
    assert later_pages == []  # the walk had not reached page 2 yet
    assert (report.outcome, report.alerts, report.articles_new) == ("new", 2, 4)
    assert len(_alert_headlines(engine)) == 2
    again = asyncio.run(poll_source(app, "ywsb", day=DAY, wake=wake))
    assert again.outcome in {"not_modified", "unchanged"}
    assert len(seen_at_wake) == 1  # nothing new, nobody woken
    assert len(_alert_headlines(engine)) == 2  # nothing queued twice


def test_each_front_page_article_is_handed_over_once_alone(engine: Engine, tmp_path: Path) -> None:
    """Each arriving front-page article is handed over by itself, once: the work of the
    early path grows with the page's articles, not with their square (every hand-over used
    to carry all the articles so far, and the front page's headline-only entries with them)."""
    articles = [FakeArticle(f"第{n}条：商贸城动态", f"本报讯 第{n}条正文。") for n in range(6)]
    with FakeSite() as site:
        site.publish_founder_pc(DAY, [FakePage("要闻", articles), *PAGES[1:]])
        source = _app(tmp_path, site, engine).sources()["ywsb"]
        parts: list[tuple[str, ...]] = []

        async def early(raw: RawIssue) -> None:
            parts.append(tuple(doc.role for doc in raw.documents))

        async def poll() -> None:
            async with httpx.AsyncClient(trust_env=False) as client:
                await source.poll(
                    client, SourceState(), day=DAY, now=datetime.now(UTC), early=early
                )

        asyncio.run(poll())
    assert parts == [("article_page",)] * len(articles)


def test_a_silent_first_run_queues_no_alert_from_any_page(
    engine: Engine, tmp_path: Path, site: FakeSite
) -> None:
    """A source with ``backfill: true`` stores its first issue without alerting: neither the
    front page's match nor the page-3 one is queued, and nobody is woken. (The first page
    stored early made the rest of the issue look like a second run, and alerted page 3.)"""
    app = _app(tmp_path, site, engine, backfill=True)
    woken: list[None] = []
    report = asyncio.run(poll_source(app, "ywsb", day=DAY, wake=lambda: woken.append(None)))
    assert (report.outcome, report.articles_new, report.alerts) == ("new", 4, 0)
    assert _alert_headlines(engine) == []
    assert woken == []


def test_status_shows_when_the_issue_was_seen_and_how_long_its_first_alert_took(
    engine: Engine, tmp_path: Path, site: FakeSite
) -> None:
    """After a poll and a send, `newsbot status` names the issue, the time its poll saw it,
    and the seconds to the first alert; before the send it says no alert went out yet."""
    app = _app(tmp_path, site, engine)
    asyncio.run(poll_source(app, "ywsb", day=DAY))
    url = engine.url.render_as_string(hide_password=False)
    args = ["--config", str(tmp_path / "newsbot.yaml"), "status"]
    before = CliRunner().invoke(cli, args, env={"NEWSBOT_DATABASE_URL": url})
    assert before.exit_code == 0, before.output
    assert re.search(r"last issue 2025-05-16 seen \S+ \S+, no alert sent yet", before.output)
    assert asyncio.run(send_due(app)).sent == 2
    after = CliRunner().invoke(cli, args, env={"NEWSBOT_DATABASE_URL": url})
    took = re.search(
        r"last issue 2025-05-16 seen \S+ \S+, first alert (\d+\.\d) s later", after.output
    )
    assert took is not None, after.output
    assert float(took.group(1)) >= 0


def test_the_probe_runs_every_minute_inside_the_window_by_default() -> None:
    """The default schedule probes each minute (plus a jitter well under the minute), so an
    issue is seen within about a minute of its publication."""
    schedule = Schedule()
    assert schedule.every_minutes == 1
    assert 0 < schedule.jitter_s < 60


def test_politeness_queues_a_big_issue_instead_of_timing_it_out(
    engine: Engine, tmp_path: Path
) -> None:
    """An issue with more articles than fit in ``timeout_s`` at the host's pace is walked
    whole: the time a request waits for its turn at the host is not counted against its
    timeout (it was: every article past the 20th timed out at 1 request a second)."""
    articles = [FakeArticle(f"第{n}条：商贸城动态", f"本报讯 第{n}条正文。") for n in range(14)]
    with FakeSite() as big:
        big.publish_founder_pc(DAY, [FakePage("要闻", articles)])
        config = tmp_path / "newsbot.yaml"
        config.write_text(
            f"""\
sources:
  - id: ywsb
    kind: epaper
    preset: founder-pc
    url: "{big.url("/layout/{date:%Y%m/%d}/node_01.html")}"
    min_interval_s: 0.1
    timeout_s: 1
""",
            encoding="utf-8",
        )
        app = App(load_settings(config), engine)
        report = asyncio.run(poll_source(app, "ywsb", day=DAY))
    assert (report.outcome, report.articles_new, report.error) == ("new", 14, None)


def test_once_todays_issue_is_stored_the_probe_slows_down() -> None:
    """Every minute while the issue is awaited; once today's issue is stored (the state's
    last issue is today's date), every ``after_issue_minutes``: a site is not walked each
    minute for corrections."""

    now = datetime(2025, 5, 16, 6, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
    source = build_source(
        {"id": "s", "kind": "epaper", "url": "http://x/{date:%Y%m/%d}/node_01.html"}
    )
    waiting = SourceState(last_issue_key="2025-05-15")
    stored = SourceState(last_issue_key="2025-05-16")
    plan = {
        name: next_poll_at(
            source.options, now=now, outcome="new", consecutive_failures=0, state=state
        )
        - now
        for name, state in (("waiting", waiting), ("stored", stored))
    }
    assert timedelta(minutes=1) <= plan["waiting"] <= timedelta(minutes=1, seconds=15)
    assert timedelta(minutes=15) <= plan["stored"] <= timedelta(minutes=15, seconds=15)
