"""Outbox claims under concurrency, stops and restarts (issue 9, defects 1-3).

Every test runs on a SQLite file and on PostgreSQL (the ``engine`` fixture) against a real
local receiver (FakePlatforms' signed webhook), which counts what it was sent.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from newsbot.channels import Channel, build_channel
from newsbot.channels.webhook import message_id
from newsbot.models import Message
from newsbot.outbox import (
    NewDelivery,
    OutboxReport,
    Pacer,
    enqueue_many,
    message_from_json,
    send_due,
    take_back,
)
from newsbot.store.locks import WorkerSlot
from newsbot.store.outbox import release
from newsbot.store.tables import DeliveryRow
from newsbot.testing.platforms import WHSEC, FakePlatforms


def _fill(engine: Engine, total: int) -> None:
    now = datetime.now(UTC)
    deliveries = [
        NewDelivery(
            f"k{n}", "alert", "hook", None, None, Message("webhook", "alert", f"第{n}条", "{}")
        )
        for n in range(total)
    ]
    with Session(engine) as session:
        enqueue_many(session, deliveries, now=now)
        session.commit()


def _states(engine: Engine) -> Counter[str]:
    with Session(engine) as session:
        return Counter(session.exec(select(DeliveryRow.state)).all())


def _received(fake: FakePlatforms) -> Counter[str]:
    return Counter(r.headers["webhook-id"] for r in fake.received)


def _expected_ids(engine: Engine) -> set[str]:
    with Session(engine) as session:
        texts = session.exec(select(DeliveryRow.message_json)).all()
    return {message_id(message_from_json(text)) for text in texts}


async def _drain(engine: Engine, channel: Channel) -> None:
    """Call send_due (50 rows at most) like the periodic job, until a call sends nothing."""
    while (await _send(engine, channel, limit=50)).sent:
        pass


async def _send(engine: Engine, channel: Channel, **kwargs: object) -> OutboxReport:
    async with httpx.AsyncClient(trust_env=False, timeout=30) as client:
        options = {"worker_id": "main", "limit": 10_000, "workers": 4, "pacer": Pacer(), **kwargs}
        return await send_due(
            engine,
            {"hook": channel},
            client=client,
            now=lambda: datetime.now(UTC),
            **options,  # type: ignore[arg-type]
        )


@pytest.mark.slow
def test_concurrent_callers_sharing_a_worker_id_send_each_message_once(engine: Engine) -> None:
    """Four send_due callers at once (the digest, poll and outbox jobs; here each on its own
    thread and event loop, so their claims truly overlap), all with worker id "main", deliver
    600 messages: the receiver gets each exactly once."""
    total = 600
    _fill(engine, total)
    with FakePlatforms() as fake:
        channel = build_channel(fake.options("webhook", "hook", max_per_minute=10**6))
        callers = [
            threading.Thread(target=asyncio.run, args=(_drain(engine, channel),)) for _ in range(4)
        ]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join()
        received = _received(fake)
    assert _states(engine) == Counter({"sent": total})
    assert set(received) == _expected_ids(engine)
    assert [key for key, times in received.items() if times > 1] == []


@pytest.mark.parametrize(("workers", "rows"), [(2, 12), (8, 80)])
def test_a_run_keeps_every_sender_busy_and_claims_no_more_rows_than_it_has_senders(
    engine: Engine, workers: int, rows: int
) -> None:
    """Against a slow receiver all ``workers`` rows are "sending" at once, and never more: a
    crash can strand only what was really in flight, not a batch of 64."""
    _fill(engine, rows)
    seen: list[int] = []

    async def run_and_watch() -> None:
        task = asyncio.create_task(_send(engine, channel, workers=workers))
        while not task.done():
            seen.append(_states(engine)["sending"])
            await asyncio.sleep(0.02)
        await task

    with FakePlatforms(latency_s=0.1) as fake:
        channel = build_channel(fake.options("webhook", "hook", max_per_minute=10**6))
        asyncio.run(run_and_watch())
    assert _states(engine) == Counter({"sent": rows})
    assert max(seen) == workers


def test_a_cancelled_run_gives_back_at_once_every_row_it_held(engine: Engine) -> None:
    """Cancelling send_due mid-run (a stop) ends it without waiting on its queue, and leaves
    no row "sending": what was not recorded is pending again, with no attempt counted."""
    _fill(engine, 40)

    async def cancel_mid_run() -> None:
        task = asyncio.create_task(_send(engine, channel, workers=4))
        while fake.count() < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with FakePlatforms(latency_s=0.05) as fake:
        channel = build_channel(fake.options("webhook", "hook", max_per_minute=10**6))
        asyncio.run(cancel_mid_run())
        sent_somewhere = len(_received(fake))
    states = _states(engine)
    assert states["sending"] == 0
    assert states["sent"] + states["pending"] == 40
    # Only requests that were in flight at the cancel arrived without being recorded.
    assert states["sent"] <= sent_somewhere <= states["sent"] + 4
    with Session(engine) as session:
        pending = session.exec(select(DeliveryRow).where(DeliveryRow.state == "pending")).all()
    assert all(r.attempts == 0 and r.claimed_by is None for r in pending)


def test_stop_ends_a_run_after_its_sends_in_flight(engine: Engine) -> None:
    """Setting ``stop`` claims nothing more: the sends in flight finish and are recorded
    "sent", the rest stays pending, nothing is left "sending"."""
    _fill(engine, 40)

    async def stop_mid_run() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(_send(engine, channel, workers=4, stop=stop))
        while fake.count() < 3:
            await asyncio.sleep(0.01)
        stop.set()
        await task

    with FakePlatforms(latency_s=0.05) as fake:
        channel = build_channel(fake.options("webhook", "hook", max_per_minute=10**6))
        asyncio.run(stop_mid_run())
        received = len(_received(fake))
    states = _states(engine)
    assert states["sending"] == 0
    assert states["sent"] == received  # every request that went out is recorded
    assert 0 < states["pending"] < 40


def test_take_back_returns_only_the_rows_of_its_own_identity(engine: Engine) -> None:
    """A restarted process takes back at once the rows its own identity left "sending";
    rows another live process holds stay its own."""
    _fill(engine, 6)
    with Session(engine) as session:
        ids = list(session.exec(select(DeliveryRow.id).order_by(col(DeliveryRow.id))).all())
        for n, row_id in enumerate(ids):
            row = session.get(DeliveryRow, row_id)
            assert row is not None
            row.state, row.claimed_by = "sending", f"slot-{n % 2}/claim{n}"
            if n == 5:
                row.claimed_by = "slot-10/claim5"  # slot-1 is not a prefix of slot-10's name
            session.add(row)
        session.commit()
    assert take_back(engine, "slot-1") == 2
    assert take_back(engine, "slot-") == 0  # a prefix of another identity is not it
    with Session(engine) as session:
        left = session.exec(select(DeliveryRow.claimed_by).where(DeliveryRow.state == "sending"))
        expected = ["slot-0/claim0", "slot-0/claim2", "slot-0/claim4", "slot-10/claim5"]
        assert sorted(left.all()) == expected
        assert release(session, token="slot-0/claim2") == 1
        count = select(func.count()).where(col(DeliveryRow.state) == "pending")
        assert session.exec(count).one() == 3


def test_worker_slots_are_distinct_while_held_and_reused_after(engine: Engine) -> None:
    """Two live holders get different identities; a slot given up (a process gone) is the
    next one taken, so a restarted process finds its own rows under its old name."""
    with WorkerSlot(engine) as first, WorkerSlot(engine) as second:
        assert (first, second) == ("slot-0", "slot-1")
    with WorkerSlot(engine) as again:
        assert again == "slot-0"


WORKER = Path(__file__).parent.parent / "fixtures" / "channels" / "outbox_worker.py"


def test_two_processes_drain_one_outbox_over_the_delivery_transport(engine: Engine) -> None:
    """Two real worker processes, 16 senders each over the service's delivery client
    (newsbot._http1), share one outbox: every message is sent, none twice (on PostgreSQL
    their claims skip each other's locked rows; on SQLite they take turns on the lock)."""
    total = 600
    _fill(engine, total)
    db_url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "NEWSBOT_TEST_WHSEC": WHSEC}
    with FakePlatforms(latency_s=0.002) as fake:
        url = f"{fake.base_url}/webhook/hooks/newsbot"
        command = [sys.executable, str(WORKER), db_url, url, "300", "16"]
        workers = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        for worker in workers:
            _, stderr = worker.communicate(timeout=120)  # stdout: "sent N" (~300 each)
            assert worker.returncode == 0, stderr.decode()
        received = _received(fake)
    assert _states(engine) == {"sent": total}
    assert set(received) == _expected_ids(engine)  # nothing lost
    assert max(received.values()) == 1  # nothing sent twice
