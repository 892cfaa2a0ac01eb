"""The outbox: enqueue once, send due rows, record outcomes (state machine, retries, pacing).

The ``engine`` fixture (tests/conftest.py) runs each test on SQLite and on PostgreSQL when a
server answers.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from newsbot.channels import Channel, build_channel
from newsbot.channels.file import FileOptions
from newsbot.channels.webhook import message_id
from newsbot.models import Article, Message
from newsbot.outbox import (
    NewDelivery,
    OutboxReport,
    Pacer,
    RetryPolicy,
    enqueue,
    enqueue_many,
    message_from_json,
    message_to_json,
    send_due,
)
from newsbot.render import render_alert
from newsbot.store.db import as_utc
from newsbot.store.tables import ChannelRow, DeliveryRow
from newsbot.testing.platforms import KEY, WHSEC, FakePlatforms

T0 = datetime(2025, 5, 16, 8, 0, tzinfo=UTC)


def _message(n: int = 0) -> Message:
    return Message("file", "alert", f"标题 {n}", f"正文 {n}")


def _enqueue(engine: Engine, keys: list[str], channel_id: str = "local") -> list[bool]:
    with Session(engine) as session:
        added = [
            enqueue(
                session,
                dedupe_key=key,
                kind="alert",
                channel_id=channel_id,
                subscriber_id="s1",
                article_id=None,
                message=_message(i),
                now=T0,
            )
            for i, key in enumerate(keys)
        ]
        session.commit()
    return added


def test_message_json_round_trips() -> None:
    """A Message stored as JSON comes back equal, Chinese text kept as is."""
    message = Message("wecom", "digest", "日报", "**正文**", part=2, parts=3, items=({"a": 1},))
    text = message_to_json(message)
    assert "日报" in text
    assert message_from_json(text) == message


def test_enqueue_many_stores_each_row_its_own_message_when_messages_are_shared(
    engine: Engine,
) -> None:
    """Rows that share one Message object and rows with their own each store their message's
    JSON (shared messages are encoded once, never mixed up)."""
    shared, other = Message("file", "alert", "共享", "正文"), Message("file", "alert", "另一", "x")
    now = datetime.now(UTC)
    deliveries = [
        NewDelivery(f"k{n}", "alert", "local", None, None, shared if n % 2 else other)
        for n in range(6)
    ]
    with Session(engine) as session:
        assert enqueue_many(session, deliveries, now=now) == 6
        session.commit()
        rows = session.exec(select(DeliveryRow).order_by(col(DeliveryRow.dedupe_key))).all()
    assert [message_from_json(r.message_json).title for r in rows] == ["另一", "共享"] * 3


def test_enqueue_twice_with_the_same_key_adds_one_row(engine: Engine) -> None:
    """A dedupe_key that exists already is not enqueued again (no double sends)."""
    assert _enqueue(engine, ["a", "b", "a"]) == [True, True, False]
    with Session(engine) as session:
        assert len(session.exec(select(DeliveryRow)).all()) == 2


def test_send_due_delivers_pending_rows_to_the_file_channel(engine: Engine, tmp_path: Path) -> None:
    """Due rows go out once, end "sent" with the channel's answer, and are not sent again."""
    _enqueue(engine, [f"k{i}" for i in range(5)])
    out = tmp_path / "messages.txt"
    channel = build_channel(FileOptions(id="local", kind="file", path=out))

    async def run() -> tuple[int, int]:
        async with httpx.AsyncClient() as client:
            first = await send_due(
                engine, {"local": channel}, client=client, now=lambda: T0, worker_id="w"
            )
            second = await send_due(
                engine, {"local": channel}, client=client, now=lambda: T0, worker_id="w"
            )
        return first.sent, second.sent

    assert asyncio.run(run()) == (5, 0)
    assert out.read_text(encoding="utf-8").count("正文") == 5
    with Session(engine) as session:
        rows = session.exec(select(DeliveryRow)).all()
    assert {r.state for r in rows} == {"sent"}
    assert all(r.attempts == 1 and r.response_text for r in rows)
    with Session(engine) as session:  # times are stored as the schema's type: SQL can compare them
        since = session.exec(select(DeliveryRow.id).where(col(DeliveryRow.sent_at) >= T0)).all()
        later = session.exec(select(DeliveryRow.id).where(col(DeliveryRow.sent_at) > T0)).all()
    assert (len(since), len(later)) == (5, 0)


def test_rows_of_unknown_channels_are_skipped_not_claimed(engine: Engine, tmp_path: Path) -> None:
    """A due row whose channel is not configured is counted as skipped and left pending."""
    _enqueue(engine, ["x"], channel_id="gone")
    channel = build_channel(FileOptions(id="local", kind="file", path=tmp_path / "m.txt"))

    async def run() -> int:
        async with httpx.AsyncClient() as client:
            report = await send_due(
                engine, {"local": channel}, client=client, now=lambda: T0, worker_id="w"
            )
        return report.skipped

    assert asyncio.run(run()) == 1
    with Session(engine) as session:
        assert session.exec(select(DeliveryRow.state)).one() == "pending"


# Against the fake platforms ---------------------------------------------------------------------


class Clock:
    """A settable clock: the outbox reads time only through it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def fake() -> Iterator[FakePlatforms]:
    """The fake platforms on 127.0.0.1, without their rate limits: these tests speed a
    channel up with max_per_minute (the limits are pinned in tests/service/test_pacing.py)."""
    with FakePlatforms(retry_after_s=0.05, rate_limits={}) as platforms:
        yield platforms


def _enqueue_for(engine: Engine, kind: str, channel_id: str, count: int, now: datetime) -> None:
    with Session(engine) as session:
        for n in range(count):
            (message,) = render_alert(
                kind, Article(headline=f"第{n}条", body="b"), (), subscriber_name="王"
            )
            enqueue(
                session,
                dedupe_key=f"{channel_id}:{n}",
                kind="alert",
                channel_id=channel_id,
                subscriber_id=None,
                article_id=None,
                message=message,
                now=now,
            )
        session.commit()


def _rows(engine: Engine) -> list[DeliveryRow]:
    with Session(engine) as session:
        return list(session.exec(select(DeliveryRow).order_by(col(DeliveryRow.id))).all())


def _run(engine: Engine, channels: dict[str, Channel], clock: Clock, **kwargs: Any) -> OutboxReport:
    async def go() -> OutboxReport:
        async with httpx.AsyncClient(trust_env=False, timeout=5) as client:
            return await send_due(
                engine, channels, client=client, now=clock, worker_id="w", pacer=Pacer(), **kwargs
            )

    return asyncio.run(go())


def test_a_5xx_is_retried_later_with_backoff_then_sent(engine: Engine, fake: FakePlatforms) -> None:
    """A server error leaves the row failed with a backoff delay; the next run after it sends."""
    clock = Clock(datetime.now(UTC))
    channel = build_channel(fake.options("wecom", "ops"))
    _enqueue_for(engine, "wecom", "ops", 1, clock.now)
    fake.script("wecom", "error")
    policy = RetryPolicy(base_delay_s=60, jitter=0.5)
    assert _run(engine, {"ops": channel}, clock, policy=policy).failed == 1
    (row,) = _rows(engine)
    assert (row.state, row.attempts) == ("failed", 1)
    delay_s = (row.next_attempt_at - clock.now).total_seconds()
    assert 30 <= delay_s <= 60
    assert "502" in (row.last_error or "")
    assert _run(engine, {"ops": channel}, clock, policy=policy).sent == 0  # not due yet
    clock.advance(seconds=61)
    assert _run(engine, {"ops": channel}, clock, policy=policy).sent == 1
    (row,) = _rows(engine)
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)
    assert fake.count("wecom") == 1


def test_retry_after_wins_over_a_shorter_backoff(engine: Engine, fake: FakePlatforms) -> None:
    """A 429 naming 120 s schedules the retry at least 120 s later, and holds the endpoint."""
    clock = Clock(datetime.now(UTC))
    fake.retry_after_s = 120
    channel = build_channel(fake.options("discord", "d"))
    _enqueue_for(engine, "discord", "d", 3, clock.now)
    fake.script("discord", "throttle")
    report = _run(engine, {"d": channel}, clock, policy=RetryPolicy(base_delay_s=1), workers=1)
    assert (report.failed, report.deferred, report.sent) == (1, 2, 0)
    rows = _rows(engine)
    assert all((r.next_attempt_at - clock.now).total_seconds() >= 110 for r in rows)
    assert [r.attempts for r in rows] == [1, 0, 0]  # deferred rows were not attempted


def test_a_throttling_code_in_a_200_body_is_a_failure(engine: Engine, fake: FakePlatforms) -> None:
    """WeCom's errcode 45009 inside HTTP 200 is retried, not counted as sent."""
    clock = Clock(datetime.now(UTC))
    _enqueue_for(engine, "wecom", "ops", 1, clock.now)
    fake.script("wecom", "throttle")
    report = _run(engine, {"ops": build_channel(fake.options("wecom", "ops"))}, clock)
    assert (report.sent, report.failed) == (0, 1)
    assert "45009" in (_rows(engine)[0].last_error or "")


def test_a_permanent_error_kills_the_row_flags_the_channel_and_tells_the_admin(
    engine: Engine, fake: FakePlatforms, tmp_path: Path
) -> None:
    """Invalid key: dead, ChannelRow.failing, one admin notice; no secret in any stored text."""
    clock = Clock(datetime.now(UTC))
    with Session(engine) as session:
        session.add(ChannelRow(id="ops", kind="wecom"))
        session.commit()
    channels = {
        "ops": build_channel(fake.options("wecom", "ops", max_per_minute=6000)),
        "admin": build_channel(FileOptions(id="admin", path=tmp_path / "admin.txt")),
    }
    _enqueue_for(engine, "wecom", "ops", 2, clock.now)
    fake.script("wecom", "gone", "gone")
    report = _run(engine, channels, clock, admin_channel_id="admin")
    assert report.dead == 2
    with Session(engine) as session:
        channel_row = session.get(ChannelRow, "ops")
        assert channel_row is not None
        assert channel_row.failing
        assert "93000" in (channel_row.last_error or "")
    admin_rows = [r for r in _rows(engine) if r.channel_id == "admin"]
    assert len(admin_rows) == 1  # one notice per channel per day, not one per message
    assert _run(engine, channels, clock, admin_channel_id="admin").sent == 1
    assert "ops" in (tmp_path / "admin.txt").read_text(encoding="utf-8")
    stored = " ".join(f"{r.last_error} {r.response_text} {r.message_json}" for r in _rows(engine))
    assert KEY not in stored


def test_out_of_attempts_is_dead(engine: Engine, fake: FakePlatforms) -> None:
    """After max_attempts transient failures the row is dead, kept for the admin."""
    clock = Clock(datetime.now(UTC))
    channel = build_channel(fake.options("slack", "s"))
    _enqueue_for(engine, "slack", "s", 1, clock.now)
    policy = RetryPolicy(base_delay_s=1, max_attempts=3)
    for _ in range(3):
        fake.script("slack", "error")
        _run(engine, {"s": channel}, clock, policy=policy)
        clock.advance(seconds=10)
    (row,) = _rows(engine)
    assert (row.state, row.attempts) == ("dead", 3)


def test_pacing_defers_rows_beyond_the_endpoint_s_rate(engine: Engine, fake: FakePlatforms) -> None:
    """At 1 message a minute, one row goes now and the others wait for their slot (the minute
    plus the pacing headroom), unattempted."""
    clock = Clock(datetime.now(UTC))
    channel = build_channel(fake.options("dingtalk", "dt", max_per_minute=1))
    _enqueue_for(engine, "dingtalk", "dt", 3, clock.now)
    report = _run(engine, {"dt": channel}, clock)
    assert (report.sent, report.deferred) == (1, 2)
    assert fake.count("dingtalk") == 1
    waiting = [r for r in _rows(engine) if r.state == "pending"]
    slot_s = channel.min_send_interval_s  # 60 s / the headroom share: over a minute
    assert slot_s > 60
    assert all(
        slot_s - 6 <= (r.next_attempt_at - clock.now).total_seconds() <= slot_s + 1 for r in waiting
    )


def test_rows_left_sending_by_a_dead_worker_are_resumed_after_the_lease(
    engine: Engine, fake: FakePlatforms
) -> None:
    """A row stuck in "sending" past the lease is sent again; a recent one is left alone."""
    clock = Clock(datetime.now(UTC))
    channel = build_channel(fake.options("telegram", "t"))
    _enqueue_for(engine, "telegram", "t", 2, clock.now)
    with Session(engine) as session:
        rows = session.exec(select(DeliveryRow).order_by(col(DeliveryRow.id))).all()
        rows[0].state, rows[0].updated_at = "sending", clock.now - timedelta(minutes=10)
        rows[1].state, rows[1].updated_at = "sending", clock.now - timedelta(seconds=10)
        session.add_all(rows)
        session.commit()
    assert _run(engine, {"t": channel}, clock).sent == 1
    assert [r.state for r in _rows(engine)] == ["sent", "sending"]


def test_random_failures_end_with_everything_sent_once(engine: Engine, fake: FakePlatforms) -> None:
    """With 30% random 5xx/throttling, repeated runs deliver every row exactly once."""
    clock = Clock(datetime.now(UTC))
    fake.fail_rate = 0.3
    channel = build_channel(fake.options("feishu", "f", max_per_minute=60000))
    _enqueue_for(engine, "feishu", "f", 20, clock.now)
    for _ in range(30):
        policy = RetryPolicy(base_delay_s=1, max_delay_s=5, max_attempts=50)
        _run(engine, {"f": channel}, clock, policy=policy)
        clock.advance(seconds=10)
        if all(r.state == "sent" for r in _rows(engine)):
            break
    assert {r.state for r in _rows(engine)} == {"sent"}
    titles = [r.json()["card"]["header"]["title"]["content"] for r in fake.received]
    assert sorted(titles) == sorted(f"第{n}条" for n in range(20))


def test_backoff_grows_exponentially_with_jitter_and_a_ceiling() -> None:
    """Delays double per attempt within [(1-jitter)d, d], capped by max_delay_s."""
    policy = RetryPolicy(base_delay_s=10, max_delay_s=100, jitter=0.5)
    rng = random.Random(1)
    for attempt, ceiling in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (9, 100)]:
        delays = [policy.delay_s(attempt, None, rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jitter spreads retries of many rows
    assert policy.delay_s(1, 500.0, rng) == 500.0


# A real process, killed with SIGKILL mid-run ------------------------------------------------------

WORKER = Path(__file__).parent / "fixtures" / "channels" / "outbox_worker.py"


def _start_worker(db_url: str, fake: FakePlatforms, lease_s: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NEWSBOT_TEST_WHSEC": WHSEC}
    url = f"{fake.base_url}/webhook/hooks/newsbot"
    command = [sys.executable, str(WORKER), db_url, url, str(lease_s)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_until(condition: Callable[[], bool], *, deadline_s: float = 30.0) -> None:
    """Poll until ``condition`` holds; a generous deadline only guards against a hung test."""
    give_up = time.monotonic() + deadline_s
    while not condition():
        assert time.monotonic() < give_up, "condition not reached"
        time.sleep(0.005)


def test_sigkill_mid_run_loses_nothing_and_doubles_only_what_was_in_flight(
    engine: Engine, tmp_path: Path
) -> None:
    """Kill -9 a sending worker, restart it: every row ends sent; only in-flight rows repeat."""
    total = 120
    now = datetime.now(UTC)
    with Session(engine) as session:
        for n in range(total):
            message = Message("webhook", "alert", f"第{n}条", f'{{"n": {n}}}')
            enqueue(session, dedupe_key=f"k{n}", kind="alert", channel_id="hook",
                    subscriber_id=None, article_id=None, message=message, now=now)  # fmt: skip
        session.commit()
    db_url = engine.url.render_as_string(hide_password=False)
    with FakePlatforms(latency_s=0.01) as fake:
        first = _start_worker(db_url, fake, lease_s=300)
        _wait_until(lambda: fake.count("webhook") >= total // 3)
        first.send_signal(signal.SIGKILL)
        first.communicate()
        in_flight = {r.id for r in _rows(engine) if r.state == "sending"}
        assert first.returncode == -signal.SIGKILL
        assert 0 < fake.count("webhook") < total  # killed mid-run, not before or after
        second = _start_worker(db_url, fake, lease_s=0)  # the dead worker's lease is over
        _, stderr = second.communicate(timeout=60)
        assert second.returncode == 0, stderr.decode()
        received = Counter(r.headers["webhook-id"] for r in fake.received)
    rows = _rows(engine)
    assert {r.state for r in rows} == {"sent"}
    ids = {message_id(message_from_json(r.message_json)): r.id for r in rows}
    assert set(received) == set(ids)  # nothing lost
    doubled = {ids[m] for m, n in received.items() if n > 1}
    assert doubled <= in_flight  # only what was in flight at the kill
    assert len(doubled) <= 4  # at most one per sending worker


def test_a_failing_pace_table_defers_rows_and_the_run_still_ends(
    engine: Engine, fake: FakePlatforms
) -> None:
    """The shared send budget's table is gone (a half-applied restore, say): a run must not
    hang waiting for an outcome that never comes; each row goes back, unsent, for later."""
    from sqlalchemy import text

    from newsbot.pacing import SharedPacer

    clock = Clock(datetime.now(UTC))
    channel = build_channel(fake.options("wecom", "wc", max_per_minute=6_000))
    _enqueue_for(engine, "wecom", "wc", 3, clock())
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE endpoint_pace"))
    pacer = SharedPacer(engine)

    async def go() -> OutboxReport:
        async with httpx.AsyncClient(trust_env=False, timeout=5) as client:
            run = send_due(engine, {"wc": channel}, client=client, now=clock, worker_id="w",
                           pacer=pacer)  # fmt: skip
            return await asyncio.wait_for(run, timeout=30)

    try:
        report = asyncio.run(go())
    finally:
        pacer.close()
    assert (report.sent, report.deferred) == (0, 3)
    assert fake.count("wecom") == 0
    rows = _rows(engine)
    assert {r.state for r in rows} == {"pending"}
    assert all(r.attempts == 0 for r in rows)  # nothing was tried: no attempt is spent
    assert all(as_utc(r.next_attempt_at) > clock() for r in rows)
