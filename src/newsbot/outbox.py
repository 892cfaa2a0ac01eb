"""The outbox: delivery state machine, retry policy and pacing; the only place that retries.

A message is a ``deliveries`` row before any byte goes out::

    pending ──claim──▶ sending ──▶ sent
       ▲                  │ ├────▶ failed  (transient; retried at next_attempt_at, backoff + jitter)
       │                  │ └────▶ dead    (permanent, or out of attempts; the admin is told)
       └── lease expired ─┘        (a worker killed mid-send: the row is sent again, at least once)

A few workers share one ``httpx.AsyncClient``; each takes the next claimed row, waits for its
endpoint's pace, sends, and waits until the outcome is committed before taking another, so at
most ``workers`` messages are ever in flight: only those can be sent twice after a SIGKILL.

Usage::

    report = await send_due(engine, app.channels(), client=client, now=utc_now, worker_id="w1")
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from newsbot import metrics
from newsbot.channels import Channel
from newsbot.errors import PermanentDeliveryError, TransientDeliveryError
from newsbot.models import Message
from newsbot.secrets import redact_url
from newsbot.store import outbox as store
from newsbot.store.tables import DeliveryRow

log = logging.getLogger(__name__)

DEFAULT_LEASE_S = 300.0  # a row "sending" this long belongs to a dead worker
PACING_HORIZON_S = 5.0  # wait this long at most for an endpoint's pace; later rows are deferred


@dataclass(frozen=True)
class OutboxReport:
    """What one ``send_due`` run did; ``skipped`` counts due rows of unknown/inactive channels."""

    sent: int = 0
    failed: int = 0
    dead: int = 0
    skipped: int = 0
    deferred: int = 0


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; a platform's Retry-After wins when it asks for longer."""

    base_delay_s: float = 30.0
    max_delay_s: float = 3600.0
    max_attempts: int = 8
    jitter: float = 0.5  # the delay is drawn in [(1 - jitter) * d, d]

    def delay_s(self, attempt: int, retry_after_s: float | None, rng: random.Random) -> float:
        """Seconds before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** max(0, attempt - 1))
        delay = rng.uniform((1 - self.jitter) * ceiling, ceiling)
        return max(delay, retry_after_s or 0.0)


DEFAULT_POLICY = RetryPolicy()


@dataclass
class Pacer:
    """Per-endpoint pace: one slot every ``min_send_interval_s``, pushed back by Retry-After.

    Kept for the life of the process (a module default) so the pace holds across runs.
    """

    horizon_s: float = PACING_HORIZON_S
    _next_free: dict[str, float] = field(default_factory=dict)

    async def acquire(self, channel: Channel) -> float | None:
        """Wait for the endpoint's next slot; return the delay instead when beyond the horizon."""
        interval_s = channel.min_send_interval_s
        now_s = time.monotonic()
        slot_s = max(now_s, self._next_free.get(channel.id, 0.0))
        if slot_s - now_s > self.horizon_s:
            return slot_s - now_s
        self._next_free[channel.id] = slot_s + interval_s
        if slot_s > now_s:
            await asyncio.sleep(slot_s - now_s)
        return None

    def hold(self, channel_id: str, delay_s: float) -> None:
        """Keep the endpoint quiet for ``delay_s`` (the platform said it is throttling us)."""
        until = time.monotonic() + delay_s
        self._next_free[channel_id] = max(self._next_free.get(channel_id, 0.0), until)


_DEFAULT_PACER = Pacer()


def message_to_json(message: Message) -> str:
    """The JSON stored in ``DeliveryRow.message_json`` (rendered text only, no secrets)."""
    data = asdict(message)
    data["items"] = list(data["items"])
    return json.dumps(data, ensure_ascii=False)


def message_from_json(text: str) -> Message:
    """The inverse of :func:`message_to_json`."""
    data: dict[str, Any] = json.loads(text)
    data["items"] = tuple(data.get("items", ()))
    return Message(**data)


def enqueue(
    session: Session,
    *,
    dedupe_key: str,
    kind: str,
    channel_id: str,
    subscriber_id: str | None,
    article_id: int | None,
    message: Message,
    now: datetime,
    not_before: datetime | None = None,
) -> bool:
    """Add a pending delivery due now (or at ``not_before``, e.g. the end of quiet hours);
    False (and nothing added) when ``dedupe_key`` exists.

    The row is flushed inside the caller's transaction; the caller commits, so the delivery
    and whatever caused it (a match marked alerted) are stored together or not at all.
    """
    delivery = NewDelivery(
        dedupe_key, kind, channel_id, subscriber_id, article_id, message, not_before
    )
    return enqueue_many(session, [delivery], now=now) == 1


@dataclass(frozen=True)
class NewDelivery:
    """A message to queue with :func:`enqueue_many`; ``not_before`` holds it (quiet hours)."""

    dedupe_key: str
    kind: str
    channel_id: str
    subscriber_id: str | None
    article_id: int | None
    message: Message
    not_before: datetime | None = None


def enqueue_many(session: Session, deliveries: Sequence[NewDelivery], *, now: datetime) -> int:
    """Queue many messages in a few statements (an issue that thousands of subscribers want).

    Same guarantees as :func:`enqueue`: a dedupe_key that exists is skipped, the caller commits.
    Returns how many were new.
    """
    rows = [
        {
            "dedupe_key": d.dedupe_key,
            "kind": d.kind,
            "channel_id": d.channel_id,
            "subscriber_id": d.subscriber_id,
            "article_id": d.article_id,
            "message_json": message_to_json(d.message),
            "state": store.PENDING,
            "attempts": 0,
            "next_attempt_at": d.not_before or now,
            "created_at": now,
            "updated_at": now,
        }
        for d in deliveries
    ]
    return store.insert_deliveries(session, rows)


def queue_notice(
    session: Session,
    *,
    channel_id: str,
    kind: str,
    title: str,
    text: str,
    key: str,
    now: datetime,
    templates_dir: Path | None = None,
) -> bool:
    """Queue an admin notice (a source or channel failing) in the channel's own format.

    ``key`` names the notice (one per failure streak, say); False when it was queued before.
    """
    from newsbot.render import render_notice

    messages = render_notice(kind, title, text, templates_dir=templates_dir)
    notices = [NewDelivery(f"{key}:{m.part}", "admin", channel_id, None, None, m) for m in messages]
    return enqueue_many(session, notices, now=now) > 0


async def send_due(
    engine: Engine,
    channels: Mapping[str, Channel],
    *,
    client: httpx.AsyncClient,
    now: Callable[[], datetime],
    worker_id: str,
    limit: int = 500,
    workers: int = 4,
    admin_channel_id: str | None = None,
    lease_s: float = DEFAULT_LEASE_S,
    policy: RetryPolicy = DEFAULT_POLICY,
    pacer: Pacer | None = None,
    rng: random.Random | None = None,
) -> OutboxReport:
    """Send up to ``limit`` due deliveries with ``workers`` concurrent senders; see module doc."""
    active = {cid: ch for cid, ch in channels.items() if ch.options.active}
    run = _Run(
        engine=engine,
        channels=active,
        client=client,
        now=now,
        policy=policy,
        pacer=pacer or _DEFAULT_PACER,
        rng=rng or random.Random(),
    )
    with Session(engine) as session:
        store.requeue_stale(session, sending_before=now() - timedelta(seconds=lease_s))
        skipped = store.count_due(session, now=now(), excluding=list(active))
    if active and limit > 0:
        queue: asyncio.Queue[DeliveryRow | None] = asyncio.Queue(maxsize=max(1, workers) * 2)
        senders = [asyncio.create_task(run.worker(queue)) for _ in range(max(1, workers))]
        try:
            await run.claim_into(queue, worker_id=worker_id, limit=limit, workers=len(senders))
        finally:
            await asyncio.gather(*senders)
    await run.after(admin_channel_id)
    tally = run.tally
    return OutboxReport(
        sent=tally["sent"],
        failed=tally["failed"],
        dead=tally["dead"],
        skipped=skipped,
        deferred=tally["pending"],
    )


class _Run:
    """The state of one ``send_due`` call: shared by its workers, all on one event loop."""

    def __init__(
        self,
        *,
        engine: Engine,
        channels: Mapping[str, Channel],
        client: httpx.AsyncClient,
        now: Callable[[], datetime],
        policy: RetryPolicy,
        pacer: Pacer,
        rng: random.Random,
    ) -> None:
        self.engine = engine
        self.channels = channels
        self.client = client
        self.now = now
        self.policy = policy
        self.pacer = pacer
        self.rng = rng
        self.tally: Counter[str] = Counter()
        self.dead_channels: dict[str, str] = {}  # channel id -> redacted error, to tell the admin
        self.failing_channels: dict[str, str] = {}  # permanent refusals: mark the channel failing
        # One thread for all of this run's SQL: SQLite has one writer, and two threads taking
        # turns on its lock would wait in its busy handler (milliseconds each time).
        self.db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-db")
        self._writer = _GroupCommit(engine, self.db)

    async def claim_into(
        self, queue: asyncio.Queue[DeliveryRow | None], *, worker_id: str, limit: int, workers: int
    ) -> None:
        """Claim small batches (few rows sit in "sending" at a kill) and feed the workers."""
        claimed = 0
        batch_size = max(workers * 8, 64)
        skip_locked = self.engine.dialect.name == "postgresql"
        try:
            while claimed < limit:
                rows = await asyncio.get_running_loop().run_in_executor(
                    self.db, self._claim, worker_id, min(batch_size, limit - claimed), skip_locked
                )
                if not rows:
                    break
                claimed += len(rows)
                for row in rows:
                    await queue.put(row)
        finally:
            for _ in range(workers):
                await queue.put(None)

    def _claim(self, worker_id: str, limit: int, skip_locked: bool) -> list[DeliveryRow]:
        with Session(self.engine) as session:
            return store.claim_due(
                session,
                now=self.now(),
                worker_id=worker_id,
                channel_ids=list(self.channels),
                limit=limit,
                skip_locked=skip_locked,
            )

    async def worker(self, queue: asyncio.Queue[DeliveryRow | None]) -> None:
        """Take rows until the sentinel; each outcome is committed before the next send."""
        while (row := await queue.get()) is not None:
            outcome = await self.deliver(row)
            await self._writer.record(outcome)
            self.tally[outcome.state] += 1

    async def deliver(self, row: DeliveryRow) -> store.Outcome:
        """Send one row and decide what becomes of it."""
        assert row.id is not None
        channel = self.channels[row.channel_id]
        delay_s = await self.pacer.acquire(channel)
        if delay_s is not None:
            later = self.now() + timedelta(seconds=delay_s)
            return store.Outcome(
                row.id, "pending", self.now(), attempted=False, next_attempt_at=later
            )
        try:
            message = message_from_json(row.message_json)
            text = await metrics.timed_send(channel, self.client, message, now=self.now())
        except TransientDeliveryError as exc:
            return self._transient(row, channel, exc)
        except PermanentDeliveryError as exc:
            error = _clean(channel, exc)
            self.failing_channels[channel.id] = error
            self.dead_channels.setdefault(channel.id, error)
            log.warning("delivery dead", extra={"channel": channel.id, "error": error})
            return store.Outcome(row.id, "dead", self.now(), error=error)
        except Exception as exc:  # a bug must not lose the row: retried like a transient failure
            log.exception("delivery crashed", extra={"channel": channel.id})
            return self._transient(row, channel, TransientDeliveryError(type(exc).__name__))
        return store.Outcome(row.id, "sent", self.now(), response_text=channel.redact(text)[:2000])

    def _transient(
        self, row: DeliveryRow, channel: Channel, exc: TransientDeliveryError
    ) -> store.Outcome:
        assert row.id is not None
        error = _clean(channel, exc)
        if exc.retry_after_s:
            self.pacer.hold(channel.id, exc.retry_after_s)
        attempt = row.attempts + 1
        if attempt >= self.policy.max_attempts:
            self.dead_channels.setdefault(channel.id, f"gave up after {attempt} attempts: {error}")
            return store.Outcome(row.id, "dead", self.now(), error=error)
        delay_s = self.policy.delay_s(attempt, exc.retry_after_s, self.rng)
        later = self.now() + timedelta(seconds=delay_s)
        log.info("delivery failed", extra={"channel": channel.id, "error": error})
        return store.Outcome(row.id, "failed", self.now(), error=error, next_attempt_at=later)

    async def after(self, admin_channel_id: str | None) -> None:
        """Flag permanently failing channels and tell the admin, once per channel per day."""
        try:
            await asyncio.get_running_loop().run_in_executor(self.db, self._after, admin_channel_id)
        finally:
            self.db.shutdown(wait=False)

    def _after(self, admin_channel_id: str | None) -> None:
        with Session(self.engine) as session:
            for channel_id, error in self.failing_channels.items():
                store.mark_channel_failing(session, channel_id, error)
            admin = self.channels.get(admin_channel_id or "")
            day = self.now().strftime("%Y-%m-%d")
            for channel_id, error in self.dead_channels.items():
                if admin is None or channel_id == admin.id:
                    continue  # no admin channel, or it is the broken one: nobody to tell
                queue_notice(
                    session,
                    channel_id=admin.id,
                    kind=admin.kind,
                    title=f"newsbot: 渠道 {channel_id} 投递失败",
                    text=error,
                    key=f"admin:{channel_id}:{day}",
                    now=self.now(),
                )
            session.commit()


class _GroupCommit:
    """Commits outcomes in batches while workers keep sending; each worker awaits its own."""

    def __init__(self, engine: Engine, executor: ThreadPoolExecutor) -> None:
        self.engine = engine
        self.executor = executor
        self._pending: list[tuple[store.Outcome, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def record(self, outcome: store.Outcome) -> None:
        """Return once ``outcome`` is committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((outcome, done))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                outcomes = [outcome for outcome, _ in batch]
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(self.executor, self._write, outcomes)
            except Exception as exc:
                for _, done in batch:
                    done.set_exception(exc)
                continue
            for _, done in batch:
                done.set_result(None)

    def _write(self, outcomes: list[store.Outcome]) -> None:
        with Session(self.engine) as session:
            store.apply_outcomes(session, outcomes)


def _clean(channel: Channel, exc: Exception) -> str:
    """An error text fit for the database: channel secrets and URL tokens redacted."""
    return channel.redact(redact_url(str(exc)))[:1000]
