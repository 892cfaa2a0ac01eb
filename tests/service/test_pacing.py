"""Pacing with headroom and one budget per endpoint, shared through the database (issue 9, defect 4).

The local look-alikes refuse what the platforms refuse (``FakePlatforms.rate_limits``), so a
test that breaks a limit sees the platform's throttling answer, not a counter of our own.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

from newsbot.channels import CHANNEL_KINDS, build_channel
from newsbot.channels.base import Channel
from newsbot.errors import TransientDeliveryError
from newsbot.models import Message
from newsbot.outbox import NewDelivery, enqueue_many
from newsbot.pacing import SharedPacer
from newsbot.store.db import make_engine
from newsbot.testing.platforms import KEY, RATE_LIMITS, FakePlatforms

# The look-alike's WeCom limit, scaled from 20 a minute so a test takes seconds: 10 per 2 s.
FAST_LIMIT = ((10, 2.0),)
FAST_PER_MINUTE = 300


def _sends_in_window(interval_s: float, window_s: float) -> int:
    """The most sends one pace puts in a closed window: one at each end and every slot between."""
    return int(window_s / interval_s + 1e-9) + 1


@pytest.mark.parametrize("kind", sorted(k for k, c in CHANNEL_KINDS.items() if c.max_per_minute))
def test_every_declared_limit_keeps_a_margin_in_any_window(kind: str) -> None:
    """Paced at its own interval, no channel ever puts as many messages into a 60 s window
    as its platform allows (WeCom 20/min: at most 18), nor into the look-alike's short windows."""
    with FakePlatforms() as fake:
        channel = build_channel(fake.options(kind))
    limit = channel.max_per_minute
    assert limit is not None
    assert _sends_in_window(channel.min_send_interval_s, 60.0) < limit
    for count, window_s in RATE_LIMITS.get(kind, ()):  # the look-alike's bursts (5 a second)
        assert _sends_in_window(channel.min_send_interval_s, window_s) <= count


def test_the_budget_key_hides_the_endpoint_and_tells_endpoints_apart() -> None:
    """The stored key is a hash: no token or URL in it; two robots have two budgets, two
    channel entries on one robot share one."""
    with FakePlatforms() as fake:
        one = build_channel(fake.options("wecom", "a"))
        same = build_channel(fake.options("wecom", "b"))
        other = build_channel(fake.options("wecom", "c", url=f"{fake.base_url}/wecom/other"))
    assert one.pace_key() == same.pace_key() != other.pace_key()
    assert KEY not in one.pace_key()
    assert len(one.pace_key()) == 64


def _fast_wecom(fake: FakePlatforms, channel_id: str = "wc") -> Channel:
    return build_channel(fake.options("wecom", channel_id, max_per_minute=FAST_PER_MINUTE))


async def _send_now(pacer: SharedPacer, channel: Channel, count: int) -> int:
    """Send ``count`` messages as fast as the pacer lets; returns how many it deferred."""
    deferred = 0
    async with httpx.AsyncClient(trust_env=False) as client:
        for n in range(count):
            if await pacer.acquire(channel) is not None:
                deferred += 1
                continue
            message = Message("wecom", "alert", f"第{n}条", f"正文{n}")
            await channel.send(client, message, now=datetime.now(UTC))
    return deferred


@pytest.mark.slow
def test_a_restart_remembers_the_pace(engine: Engine) -> None:
    """A new pacer on the same database (a restarted process) waits for the slots its
    predecessor took: the look-alike refuses nothing across the restart."""
    with FakePlatforms(rate_limits={"wecom": FAST_LIMIT}) as fake:
        channel = _fast_wecom(fake)
        for _ in range(3):  # three "processes", one after the other, no pause between
            pacer = SharedPacer(make_engine(engine.url.render_as_string(hide_password=False)))
            assert asyncio.run(_send_now(pacer, channel, 6)) == 0
            pacer.close()
            pacer.engine.dispose()
        assert (fake.count("wecom"), fake.throttled) == (18, 0)


def test_a_throttling_answer_holds_the_endpoint_for_every_pacer(engine: Engine) -> None:
    """hold() (a platform's Retry-After) is stored: another pacer on the database defers the
    endpoint's next message by about that long instead of sending it."""
    with FakePlatforms() as fake:
        channel = _fast_wecom(fake)
    first, second = SharedPacer(engine), SharedPacer(engine)
    assert asyncio.run(first.acquire(channel)) is None
    first.hold(channel.id, 60.0)
    first.close()
    delay_s = asyncio.run(second.acquire(channel))
    second.close()
    assert delay_s is not None
    assert 55 < delay_s <= 60


def test_a_throttling_answer_holds_an_endpoint_without_a_declared_limit(engine: Engine) -> None:
    """A Retry-After from an endpoint with no declared limit (the webhook kind) holds it too:
    the next message is deferred by about that long; once the hold is over, it is sent at once.
    (The in-memory Pacer always did this; the shared one skipped such endpoints entirely.)"""
    with FakePlatforms() as fake:
        channel = build_channel(fake.options("webhook", "hook"))
    assert channel.min_send_interval_s == 0
    now_s = [1_000_000.0]
    pacer = SharedPacer(engine, clock_s=lambda: now_s[0])
    assert asyncio.run(pacer.acquire(channel)) is None
    pacer.hold(channel.id, 60.0)
    delay_s = asyncio.run(pacer.acquire(channel))
    now_s[0] += 61
    after_s = asyncio.run(pacer.acquire(channel))
    pacer.close()
    assert delay_s is not None
    assert 59 < delay_s <= 60
    assert after_s is None


def test_no_limit_no_database(engine: Engine, tmp_path: Path) -> None:
    """A channel without a declared limit (the file sink) is never paced or stored."""
    channel = build_channel(
        CHANNEL_KINDS["file"].Options.model_validate(
            {"id": "f", "kind": "file", "path": str(tmp_path / "f.txt")}
        )
    )
    pacer = SharedPacer(engine)
    assert asyncio.run(pacer.acquire(channel)) is None
    pacer.close()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM endpoint_pace")).scalar() == 0


def test_the_migrations_build_the_declared_schema(engine: Engine) -> None:
    """Migration 0002 and the tables agree: autogenerate finds nothing to add or drop."""
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []


# Two real `newsbot run` processes on one database ------------------------------------------------


def _config(tmp_path: Path, fake: FakePlatforms) -> Path:
    config = tmp_path / "newsbot.yaml"
    config.write_text(
        f"""\
channels:
  - id: wc
    kind: wecom
    url: {fake.base_url}/wecom/cgi-bin/webhook/send
    key: {{$env: TEST_WECOM_KEY}}
    max_per_minute: {FAST_PER_MINUTE}
""",
        encoding="utf-8",
    )
    return config


def _fill(engine: Engine, total: int) -> None:
    deliveries = [
        NewDelivery(f"k{n}", "alert", "wc", None, None, Message("wecom", "alert", "t", f"第{n}条"))
        for n in range(total)
    ]
    with Session(engine) as session:
        enqueue_many(session, deliveries, now=datetime.now(UTC))
        session.commit()


@pytest.mark.slow
def test_two_processes_share_one_budget(engine: Engine, tmp_path: Path) -> None:
    """Two `newsbot run` on one database send 30 messages to one robot: together they stay
    under its limit (the look-alike refuses none), and every message arrives once."""
    total = 30
    _fill(engine, total)
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "NEWSBOT_DATABASE_URL": url, "TEST_WECOM_KEY": KEY}
    with FakePlatforms(rate_limits={"wecom": FAST_LIMIT}) as fake:
        command = [sys.executable, "-m", "newsbot", "--config", str(_config(tmp_path, fake)), "run"]
        workers = [
            subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        try:
            give_up = time.monotonic() + 60  # guards a hung test only; no timing is asserted
            while fake.count("wecom") + fake.throttled < total and time.monotonic() < give_up:
                time.sleep(0.05)
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            errors = [worker.communicate(timeout=30)[1].decode() for worker in workers]
        titles = sorted(r.json()["markdown"]["content"] for r in fake.received)
    assert fake.throttled == 0, errors
    assert len(titles) == total
    assert len(set(titles)) == total


def test_the_dingtalk_look_alike_blocks_a_robot_after_a_breach() -> None:
    """Like DingTalk, the look-alike refuses a robot that broke its limit for 10 minutes,
    even once the window has room again: a breach costs far more than a margin."""
    with FakePlatforms(rate_limits={"dingtalk": ((2, 0.5),)}) as fake:
        channel = build_channel(fake.options("dingtalk", max_per_minute=10**6))
        for n in range(2):
            asyncio.run(_send_once(channel, n))
        with pytest.raises(TransientDeliveryError, match="130101"):
            asyncio.run(_send_once(channel, 2))  # the breach
        time.sleep(0.6)  # the window is empty again; the block is not over
        with pytest.raises(TransientDeliveryError, match="130101"):
            asyncio.run(_send_once(channel, 9))
    assert (fake.count("dingtalk"), fake.throttled) == (2, 2)


async def _send_once(channel: Channel, n: int) -> str:
    async with httpx.AsyncClient(trust_env=False) as client:
        message = Message("dingtalk", "alert", f"第{n}条", f"正文{n}")
        return await channel.send(client, message, now=datetime.now(UTC))


def test_senders_asking_at_once_get_one_slot_each_taken_in_few_transactions(
    engine: Engine,
) -> None:
    """Twenty senders asking for one endpoint's slot at once each get their own slot, one
    interval apart, and the pacer takes them in a few transactions (one per round of asks),
    not one commit per send."""
    from sqlalchemy import event

    commits: list[int] = []
    event.listen(engine, "commit", lambda connection: commits.append(1))
    with FakePlatforms() as fake:
        channel = build_channel(fake.options("wecom", "wc", max_per_minute=6_000))  # 10 ms
    interval_s = channel.min_send_interval_s
    pacer = SharedPacer(engine, clock_s=lambda: 1_000.0)  # a still clock: waits are exact

    async def ask_all() -> list[float | None]:
        return await asyncio.gather(*(pacer.acquire(channel) for _ in range(20)))

    try:
        deferred = asyncio.run(ask_all())
        budget = next_free_s(engine, channel)
    finally:
        pacer.close()
    assert deferred == [None] * 20  # every sender got a slot within the horizon
    # The budget moved by exactly 20 slots: none was handed out twice, none skipped.
    assert budget == pytest.approx(1_000.0 + 20 * interval_s)
    assert len(commits) < 20


def next_free_s(engine: Engine, channel: Channel) -> float:
    """Where the endpoint's budget stands: the start of its next free slot."""
    with Session(engine) as session:
        value = session.execute(
            text("SELECT next_free_s FROM endpoint_pace WHERE endpoint_key = :k"),
            {"k": channel.pace_key()},
        ).scalar_one()
    return float(value)
