"""The whole path, end to end: a real HTTP server on 127.0.0.1, a real SQLite file, file sinks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from newsbot.config import load_settings
from newsbot.demo import SAMPLE_DATE, demo_settings, run_demo, serve_sample
from newsbot.pipeline import App, poll_source, send_due
from newsbot.store.db import make_engine
from newsbot.store.schema import upgrade
from newsbot.store.sync import apply_settings
from newsbot.store.tables import DeliveryRow, MatchRow, SourceRow
from newsbot.testing.sites import FakeSite

CONFIG = """\
admin:
  channel: admin
  failure_threshold: 3
sources:
  - id: placeholder
    kind: pagetext
    folder: drop
channels:
  - id: merchants
    kind: file
    path: merchants.txt
  - id: readers
    kind: file
    path: readers.txt
  - id: admin
    kind: file
    path: admin.txt
subscribers:
  - id: merchant-chen
    name: 陈老板
    role: merchant
    channels: [merchants]
    quiet_hours: "23:00-06:30"
    rules:
      - id: fraud
        match: '(电信网络诈骗 OR 反洗钱 OR 反诈) NOT 招聘'
        deliver: alert
      - id: money
        any: [反洗钱, 洗钱]
        deliver: both
  - id: reader-wang
    name: 王老师
    channels: [readers]
    digest: {at: "08:00"}
    rules:
      - id: fairs
        match: 对接会 OR 展会
        deliver: digest
      - id: fraud-too
        match: 经济犯罪
        deliver: digest
"""

# 2025-05-16 09:00 in Shanghai: outside the merchant's quiet hours.
MORNING = datetime(2025, 5, 16, 1, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[App]:
    """An App on the sample issue served from 127.0.0.1, a real database and file sinks."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "newsbot.yaml").write_text(CONFIG, encoding="utf-8")
    settings = load_settings(tmp_path / "newsbot.yaml", environ={})
    engine = make_engine(database_url)
    upgrade(engine)
    with serve_sample() as base_url:
        yield App(
            demo_settings(settings, base_url, sink_dir=tmp_path / "sink"),
            engine,
            clock=Clock(MORNING),
        )
    engine.dispose()


def deliveries(app: App) -> list[DeliveryRow]:
    with Session(app.engine) as session:
        return list(session.exec(select(DeliveryRow).order_by(DeliveryRow.id)).all())


def use_source(app: App, **options: object) -> None:
    """Point the app's one source, ``ywsb``, at a pagetext origin (URLs or a folder)."""
    from dataclasses import replace

    from newsbot.sources import SOURCE_KINDS

    values = {"id": "ywsb", "kind": "pagetext", "min_interval_s": 0, **options}
    source = SOURCE_KINDS["pagetext"].Options.model_validate(values)
    app.settings = replace(app.settings, sources={"ywsb": source})


PAGE = "/2025-05-16/p1.txt"


@contextmanager
def misbehaving_site(**route: object) -> Iterator[str]:
    """A FakeSite whose page 1 of the sample day answers as ``route`` says; yields the URL template.

    ``route`` is ``fail`` (status, headers) or ``put`` (a body) of :class:`FakeSite`.
    """
    with FakeSite() as site:
        if "body" in route:
            site.put(PAGE, route["body"], content_type="text/plain")  # type: ignore[arg-type]
        else:
            site.fail(PAGE, **route)  # type: ignore[arg-type]
        yield f"{site.base_url}/{{date:%Y-%m-%d}}/p1.txt"


def test_first_run_stores_the_issue_matches_and_delivers(app: App, tmp_path: Path) -> None:
    """The sample issue is found, stored, matched, rendered and written to the sinks."""
    report = asyncio.run(run_demo(app))
    assert report.poll.outcome == "new"
    assert report.poll.paper == "义乌商报"
    assert report.poll.issue_date == SAMPLE_DATE
    assert report.poll.articles_new >= 7
    sent = {(channel, m.kind) for channel, m in report.sent}
    assert ("merchants", "alert") in sent
    assert ("readers", "digest") in sent
    alerts = [m for c, m in report.sent if m.kind == "alert"]
    assert any("电信网络诈骗" in m.body for m in alerts)
    assert not any("招聘" in m.title for m in alerts)
    merchant_file = (tmp_path / "sink" / "merchants.txt").read_text(encoding="utf-8")
    assert "电信网络诈骗" in merchant_file
    digest_file = (tmp_path / "sink" / "readers.txt").read_text(encoding="utf-8")
    assert "对接会" in digest_file
    assert all(d.state == "sent" for d in deliveries(app))


def test_second_run_finds_nothing_new_and_sends_nothing(app: App) -> None:
    """Polling the same issue again is a no-op: no new articles, matches or messages."""
    first = asyncio.run(run_demo(app))
    clock = app.clock
    assert isinstance(clock, Clock)
    clock.now = MORNING + timedelta(minutes=10)
    second = asyncio.run(run_demo(app))
    assert first.sent
    assert second.poll.outcome in {"unchanged", "not_modified"}
    assert second.sent == []
    assert "nothing new" in second.lines()[0]


def test_an_article_matched_by_several_rules_is_alerted_once(app: App) -> None:
    """Two rules of one subscriber hitting one article give one alert per channel."""
    asyncio.run(run_demo(app))
    alerts = [d for d in deliveries(app) if d.kind == "alert"]
    keys = [(d.subscriber_id, d.channel_id, d.article_id) for d in alerts]
    assert len(keys) == len(set(keys))
    with Session(app.engine) as session:
        both = [
            m for m in session.exec(select(MatchRow)).all() if len(m.rule_ids_json.split(",")) > 1
        ]
    assert both, "the 反洗钱 article should match both merchant rules"


def test_digest_marks_articles_already_alerted(app: App) -> None:
    """An article that reached the subscriber as an alert is flagged in their digest."""
    asyncio.run(run_demo(app))
    digests = [
        d for d in deliveries(app) if d.kind == "digest" and d.subscriber_id == "merchant-chen"
    ]
    assert digests
    assert "已提醒" in digests[0].message_json


def test_quiet_hours_hold_alerts_until_they_end(app: App) -> None:
    """An alert matched at 23:30 Shanghai time waits until 06:30, then goes out."""
    clock = app.clock
    assert isinstance(clock, Clock)
    clock.now = datetime(2025, 5, 16, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    asyncio.run(poll_source(app, "ywsb", day=SAMPLE_DATE))
    asyncio.run(send_due(app))
    held = [d for d in deliveries(app) if d.kind == "alert"]
    assert held
    assert all(d.state == "pending" for d in held)
    assert all(d.next_attempt_at == datetime(2025, 5, 16, 22, 30, tzinfo=UTC) for d in held)
    clock.now = datetime(2025, 5, 16, 22, 31, tzinfo=UTC)
    asyncio.run(send_due(app))
    assert all(d.state == "sent" for d in deliveries(app) if d.kind == "alert")


def test_a_failing_source_is_counted_and_the_admin_told_once(app: App, tmp_path: Path) -> None:
    """After the threshold of consecutive failures one admin alert is queued, not one per poll."""

    with misbehaving_site(status=500) as url:
        use_source(app, urls=[url])
        reports = [asyncio.run(poll_source(app, "ywsb", day=SAMPLE_DATE)) for _ in range(5)]
    assert {r.outcome for r in reports} == {"error"}
    with Session(app.engine) as session:
        row = session.get(SourceRow, "ywsb")
    assert row is not None
    assert row.consecutive_failures == 5
    admin = [d for d in deliveries(app) if d.kind == "admin"]
    assert len(admin) == 1
    assert "ywsb" in admin[0].message_json


def test_backfill_source_stores_first_issue_without_alerting(app: App) -> None:
    """A source marked backfill stores its first issue silently: no flood of old news."""
    from dataclasses import replace

    source = app.settings.sources["ywsb"].model_copy(update={"backfill": True})
    app.settings = replace(app.settings, sources={"ywsb": source})
    with Session(app.engine) as session:
        apply_settings(session, app.settings, now=MORNING)
        session.commit()
    report = asyncio.run(poll_source(app, "ywsb", day=SAMPLE_DATE))
    assert report.outcome == "new"
    assert report.articles_new >= 7
    assert report.alerts == 0
    assert deliveries(app) == []


def test_backfill_epaper_stores_its_first_issue_without_alerting_any_page(
    tmp_path: Path, database_url: str
) -> None:
    """A backfill e-paper's first issue is silent on every page: the front page is not handed
    over early (it has no alert to give), so the rest of the issue is not taken for a
    second run and alerted. The next issue alerts as usual."""
    from newsbot.testing.sites import FakeArticle, FakePage

    pages = [
        FakePage("要闻", [FakeArticle("谨防电信网络诈骗新套路", "本报讯 警方提醒电信网络诈骗。")]),
        FakePage("商贸", [FakeArticle("反洗钱宣传走进市场", "本报讯 反洗钱宣传走进市场。")]),
    ]
    engine = make_engine(database_url)
    upgrade(engine)
    with FakeSite() as site:
        site.publish_founder_pc(SAMPLE_DATE, pages)
        url = site.url("/layout/{date:%Y%m/%d}/node_01.html")
        config = tmp_path / "newsbot.yaml"
        config.write_text(
            f"""\
sources:
  - {{id: ywsb, kind: epaper, preset: founder-pc, url: "{url}", min_interval_s: 0, backfill: true}}
channels:
  - {{id: box, kind: file, path: {tmp_path / "box.txt"}}}
subscribers:
  - id: chen
    channels: [box]
    rules:
      - {{id: fraud, match: '电信网络诈骗 OR 反洗钱', deliver: alert}}
""",
            encoding="utf-8",
        )
        app = App(load_settings(config), engine, clock=Clock(MORNING))
        first = asyncio.run(poll_source(app, "ywsb", day=SAMPLE_DATE))
        assert (first.outcome, first.articles_new, first.alerts) == ("new", 2, 0)
        assert deliveries(app) == []
        site.publish_founder_pc(SAMPLE_DATE + timedelta(days=1), pages[1:])
        second = asyncio.run(poll_source(app, "ywsb", day=SAMPLE_DATE + timedelta(days=1)))
    engine.dispose()
    assert (second.outcome, second.alerts) == ("new", 1)


def test_retry_after_is_remembered_and_pushes_the_next_poll_back(app: App) -> None:
    """A 429 with Retry-After: 600 is stored, and the policy schedules no poll before it."""

    from newsbot.ingest import load_state
    from newsbot.sources import next_poll_at

    with misbehaving_site(status=429, headers={"Retry-After": "600"}) as url:
        use_source(app, urls=[url])
        report = asyncio.run(poll_source(app, "ywsb", day=SAMPLE_DATE))
    assert report.outcome == "error"
    state = load_state(app, "ywsb")
    assert state.retry_not_before is not None
    options = app.settings.sources["ywsb"]
    when = next_poll_at(options, now=MORNING, outcome="error", consecutive_failures=1, state=state)
    assert when >= state.retry_not_before


def test_an_unreadable_issue_is_the_sources_error_and_nothing_is_stored(app: App) -> None:
    """Binary bytes where page text should be: a clear error naming the source, no issue, no crash."""

    from newsbot.ingest import load_state
    from newsbot.store.tables import IssueRow

    with misbehaving_site(body=b"\x00\x01\x02binary\x00" * 200) as url:
        use_source(app, urls=[url])
        report = asyncio.run(poll_source(app, "ywsb", day=SAMPLE_DATE))
    assert report.outcome == "error"
    assert report.error is not None
    assert "cannot read the issue" in report.error
    with Session(app.engine) as session:
        assert session.exec(select(IssueRow)).all() == []
        row = session.get(SourceRow, "ywsb")
    assert row is not None
    assert row.consecutive_failures == 1
    assert load_state(app, "ywsb").validators == {}  # fetched again next time


def test_a_page_pdf_source_is_polled_extracted_and_matched(app: App, tmp_path: Path) -> None:
    """A pagetext source whose URL serves the page as a PDF gives the same issue and alerts."""

    from newsbot.resources import SAMPLE_ISSUE
    from newsbot.testing.pdf import typeset

    paragraphs = [
        p.strip() for p in SAMPLE_ISSUE.read_text(encoding="utf-8").split("\n") if p.strip()
    ]
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "ywsb-2025-05-16-p1.pdf").write_bytes(typeset(paragraphs))
    use_source(app, folder=str(tmp_path / "drop"))
    report = asyncio.run(poll_source(app, "ywsb", day=SAMPLE_DATE))
    assert report.outcome == "new"
    assert report.articles_new == 7
    assert report.alerts >= 1


def test_a_channel_without_its_secret_keeps_its_messages_waiting(tmp_path: Path) -> None:
    """An unset secret variable leaves the channel out: its deliveries wait, none goes dead."""
    from newsbot.pipeline import missing_secrets

    (tmp_path / "newsbot.yaml").write_text(
        "channels:\n  - id: shop\n    kind: wecom\n    key: {$env: NOT_SET_ANYWHERE}\n"
        "  - id: local\n    kind: file\n    path: out.txt\n",
        encoding="utf-8",
    )
    settings = load_settings(tmp_path / "newsbot.yaml", environ={})
    engine = make_engine(f"sqlite:///{tmp_path / 'n.db'}")
    app = App(settings, engine)
    assert missing_secrets(settings.channels["shop"]) == ["key"]
    assert set(app.channels()) == {"local"}
    engine.dispose()


BULK_TERMS = ("电信网络诈骗", "反洗钱", "对接会", "人大", "摩洛哥", "芯片", "技能", "跨境电商")


def _crowd_config(count: int) -> str:
    """``count`` subscribers, each with an alert rule and a digest rule on the sample's words,
    on a file channel (its alert does not show the name) and a webhook (its alert does)."""
    lines = [
        "sources: [{id: placeholder, kind: pagetext, folder: drop}]",
        "channels:",
        "  - {id: sink, kind: file, path: sink.txt}",
        "  - {id: hook, kind: webhook, url: 'http://127.0.0.1:9/hook'}",
        "subscribers:",
    ]
    for i in range(count):
        alert, digest = BULK_TERMS[i % 8], BULK_TERMS[(3 * i + 1) % 8]
        lines += [
            f"  - id: s{i}",
            f"    name: 订户{i}",
            "    channels: [sink, hook]",
            "    rules:",
            f"      - {{id: s{i}-a, match: '{alert} OR {digest}', deliver: alert}}",
            f"      - {{id: s{i}-d, any: [{digest}], deliver: digest}}",
        ]
    return "\n".join(lines) + "\n"


def test_a_crowd_is_stored_in_bulk_exactly_as_matched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    """Every (subscriber, article) pair the matcher finds is stored once, with its rules and
    reasons, and one alert per channel is queued for each alert pair; subscribers wanting an
    article for the same reasons get the same text, each alert shows its own subscriber's
    reasons (a shared render never crosses to other reasons), and the webhook's alert names
    each one."""
    import json
    from dataclasses import replace

    from newsbot.render import FIELD_LABELS
    from newsbot.store.articles import article_from_row
    from newsbot.store.matches import explanations_from_json
    from newsbot.store.tables import ArticleRow

    monkeypatch.chdir(tmp_path)
    (tmp_path / "newsbot.yaml").write_text(_crowd_config(300), encoding="utf-8")
    settings = load_settings(tmp_path / "newsbot.yaml", environ={})
    engine = make_engine(database_url)
    upgrade(engine)
    with serve_sample() as base_url:
        # The sample source, with the config's own channels (demo_settings makes all files).
        demo = demo_settings(settings, base_url, sink_dir=tmp_path / "sink")
        kept = {"channels": settings.channels, "channel_references": settings.channel_references}
        crowd = App(replace(demo, **kept), engine, clock=Clock(MORNING))
        crowd.sync_config()
        report = asyncio.run(poll_source(crowd, "ywsb", day=SAMPLE_DATE))
    with Session(engine) as session:
        articles = session.exec(select(ArticleRow)).all()
        stored = {(m.subscriber_id, m.article_id): m for m in session.exec(select(MatchRow))}
        queued = list(session.exec(select(DeliveryRow)).all())
    engine.dispose()
    expected: dict[tuple[str, int], list[str]] = {}
    for row in articles:
        assert row.id is not None
        for match in crowd.matcher.match(article_from_row(row), source_id="ywsb"):
            expected.setdefault((match.subscriber_id, row.id), []).append(match.rule_id)
    assert len(expected) > 500  # more than one statement's batch
    assert report.matches == len(stored) == len(expected)
    assert {key: json.loads(m.rule_ids_json) for key, m in stored.items()} == expected
    alert_pairs = {key for key, rules in expected.items() if any(r.endswith("-a") for r in rules)}
    assert report.alerts == len(queued) == 2 * len(alert_pairs)
    assert {(d.subscriber_id, d.article_id) for d in queued} == alert_pairs
    for delivery in queued:
        name = f"订户{delivery.subscriber_id.removeprefix('s')}"
        assert (name in delivery.message_json) == (delivery.channel_id == "hook")
    by_reason: dict[tuple[int | None, str], set[str]] = {}
    for delivery in queued:
        if delivery.channel_id == "sink":
            reasons = stored[(str(delivery.subscriber_id), int(delivery.article_id or 0))]
            explained = explanations_from_json(reasons.explanations_json)
            body = json.loads(delivery.message_json)["body"]
            why = "、".join(f"{e.term}（{FIELD_LABELS[e.field]}）" for e in explained)
            assert [line for line in body.splitlines() if line.startswith("命中：")] == [
                f"命中：{why}"
            ]
            by_reason.setdefault((delivery.article_id, reasons.explanations_json), set()).add(
                delivery.message_json
            )
    assert all(len(texts) == 1 for texts in by_reason.values())


def test_the_demo_reports_alerts_held_by_quiet_hours_once(app: App) -> None:
    """A run at night reports its held alerts per subscriber with the release time; the next
    run reports them only as still held from an earlier run."""
    clock = app.clock
    assert isinstance(clock, Clock)
    clock.now = datetime(2025, 5, 16, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    first = asyncio.run(run_demo(app))
    held = [d for d in deliveries(app) if d.kind == "alert" and d.state == "pending"]
    assert held
    (merchant,) = first.held
    assert (merchant.subscriber, merchant.quiet_hours) == ("merchant-chen", "23:00-06:30")
    assert (merchant.count, merchant.until) == (len(held), "2025-05-17 06:30 CST")
    assert first.still_held == 0
    clock.now += timedelta(minutes=10)
    second = asyncio.run(run_demo(app))
    assert (second.held, second.still_held) == ([], len(held))
    assert f"still held from an earlier run: {len(held)}" in second.lines()
