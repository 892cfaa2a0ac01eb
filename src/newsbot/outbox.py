"""The outbox: delivery state machine, retry policy and pacing; the only place that retries.

A message is a ``deliveries`` row before any byte goes out::

    pending ──claim──▶ sending ──▶ sent
       ▲                  │ ├────▶ failed  (transient; retried at next_attempt_at, backoff + jitter)
       │                  │ └────▶ dead    (permanent, or out of attempts; the admin is told)
       └── released ──────┘  at a stop; at a restart (same worker id); when the lease ran out

A claim takes only as many rows as there are idle senders (``workers``), under a token of its
own, so at most ``workers`` messages are ever in flight or sent-but-unrecorded: only those can
be sent twice after a SIGKILL. Outcomes and the next claim share one transaction (batches, not a
statement per row), run on one database thread while the senders go on sending.
A stop (``stop`` set, or the call cancelled) releases the rows it holds at once; a restarted
process takes back what its previous run held (:func:`take_back`); rows of a process that
never comes back return after ``lease_s``, a few times the longest a send may take.

Usage::

    report = await send_due(engine, app.channels(), client=client, now=utc_now, worker_id="w1")
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from newsbot import metrics
from newsbot._outbox_enqueue import (
    NewDelivery,
    enqueue,
    enqueue_many,
    message_from_json,
    message_to_json,
    queue_notice,
)
from newsbot.channels import Channel
from newsbot.errors import PermanentDeliveryError, TransientDeliveryError
from newsbot.store import outbox as store

__all__ = [
    "NewDelivery",
    "OutboxReport",
    "Pacer",
    "Pacing",
    "RetryPolicy",
    "enqueue",
    "enqueue_many",
    "message_from_json",
    "message_to_json",
    "queue_notice",
    "send_due",
    "take_back",
]

log = logging.getLogger(__name__)

PACING_HORIZON_S = 5.0  # wait this long at most for an endpoint's pace; later rows are deferred
PACING_RETRY_S = 30.0  # a row whose slot could not be asked for (the pace table failed) waits this
# A row "sending" this long belongs to a dead worker: a send takes at most the pacing horizon
# plus the request timeout (newsbot._http.DEFAULT_TIMEOUT_S, 20 s); three times that. (A send
# the transport resends on a new connection takes at most 5 + 3 x 20 = 65 s: still within.)
DEFAULT_LEASE_S = 3 * (PACING_HORIZON_S + 20.0)
# With most senders still out, wait this long for more outcomes before a round trip: one trip
# then records several (a trip costs about as much CPU as a send; +19 % msg/s measured).
LINGER_S = 0.001
# Senders per run. Each round trip records the outcomes that came in while the previous one
# ran, so more senders make fewer, larger trips: 4 did ~1,100-1,450 msg/s to an instant local
# receiver, 16 ~2,000-2,400 (docs/benchmarks.md, "Delivery"). The price: after a SIGKILL, up
# to this many messages (those in flight or sent but not yet recorded) are sent again.
DEFAULT_WORKERS = 16
# Rows one run claims at most; the service runs again at once while a run reaches it.
RUN_LIMIT = 500


@dataclass(frozen=True)
class OutboxReport:
    """What one ``send_due`` run did; ``skipped`` counts due rows of unknown/inactive channels."""

    sent: int = 0
    failed: int = 0
    dead: int = 0
    skipped: int = 0
    deferred: int = 0

    @property
    def handled(self) -> int:
        """Rows this run claimed and settled (sent, failed, dead or deferred)."""
        return self.sent + self.failed + self.dead + self.deferred


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; a platform's Retry-After wins when it asks for longer."""

    base_delay_s: float = 30.0
    max_delay_s: float = 3600.0
    max_attempts: int = 8
    jitter: float = 0.5  # the delay is drawn in [(1 - jitter) * d, d]
    # The longest wait a platform's Retry-After may impose. A platform's answer is untrusted:
    # "Retry-After: 1e300" once overflowed the datetime arithmetic and killed the sender (its
    # row stayed "sending" and the run never returned); a day is beyond any real throttle.
    max_retry_after_s: float = 86400.0

    def delay_s(self, attempt: int, retry_after_s: float | None, rng: random.Random) -> float:
        """Seconds before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** max(0, attempt - 1))
        delay = rng.uniform((1 - self.jitter) * ceiling, ceiling)
        return max(delay, self.retry_after(retry_after_s))

    def retry_after(self, retry_after_s: float | None) -> float:
        """The platform's Retry-After in seconds, bounded to ``max_retry_after_s``."""
        return min(retry_after_s or 0.0, self.max_retry_after_s)


DEFAULT_POLICY = RetryPolicy()


class Pacing(Protocol):
    """What the outbox asks of a pacer (this module's :class:`Pacer`, or the database-backed
    :class:`newsbot.pacing.SharedPacer`); ``acquire`` must be cancellable (a stop cancels it)."""

    async def acquire(self, channel: Channel) -> float | None:
        """Wait for the endpoint's slot and return None, or return the wait beyond the horizon."""

    def hold(self, channel_id: str, delay_s: float) -> None:
        """Keep the endpoint quiet for ``delay_s`` (the platform throttled us)."""


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


async def send_due(
    engine: Engine,
    channels: Mapping[str, Channel],
    *,
    client: httpx.AsyncClient,
    now: Callable[[], datetime],
    worker_id: str,
    limit: int = RUN_LIMIT,
    workers: int = DEFAULT_WORKERS,
    admin_channel_id: str | None = None,
    lease_s: float = DEFAULT_LEASE_S,
    policy: RetryPolicy = DEFAULT_POLICY,
    pacer: Pacing | None = None,
    rng: random.Random | None = None,
    stop: asyncio.Event | None = None,
) -> OutboxReport:
    """Send up to ``limit`` due deliveries with ``workers`` concurrent senders; see module doc.

    ``worker_id`` names this process (see :func:`take_back`); each call claims under a token
    of its own, so concurrent calls sharing an id never send a row twice. When ``stop`` is set
    no more rows are claimed and the call returns once the sends in flight are recorded; when
    the call is cancelled, sends in flight are abandoned and every row it still holds goes
    back to pending at once.
    """
    active = {cid: ch for cid, ch in channels.items() if ch.options.active}
    run = _Run(
        engine=engine,
        channels=active,
        client=client,
        now=now,
        policy=policy,
        pacer=pacer or _DEFAULT_PACER,
        rng=rng or random.Random(),
        token=f"{worker_id[:60]}/{uuid.uuid4().hex[:16]}",
        workers=max(1, workers),
        stop=stop or asyncio.Event(),
    )
    with Session(engine) as session:
        store.requeue_stale(session, sending_before=now() - timedelta(seconds=lease_s))
        skipped = store.count_due(session, now=now(), excluding=list(active))
    try:
        if active and limit > 0:
            await run.serve(limit)
        await run.after(admin_channel_id)
    finally:
        run.finish()
    tally = run.tally
    return OutboxReport(
        sent=tally["sent"],
        failed=tally["failed"],
        dead=tally["dead"],
        skipped=skipped,
        deferred=tally["pending"],
    )


def take_back(engine: Engine, worker_id: str) -> int:
    """At a process start: rows its previous run (same ``worker_id``) left "sending" go back to
    pending now rather than at the end of their lease; returns how many.

    Only call it while no other live process uses ``worker_id`` (the service holds a
    :class:`newsbot.store.locks.WorkerSlot` for that).
    """
    with Session(engine) as session:
        return store.requeue_stale(session, identity=worker_id)


class _Run:
    """The state of one ``send_due`` call: shared by its senders, all on one event loop.

    One coordinator (:meth:`serve`) owns the database: each round trip records the outcomes
    that came in and claims as many rows as there are idle senders, in one transaction on one
    database thread. Every claimed row gets a sender task at once, so no claimed row waits.
    """

    def __init__(
        self,
        *,
        engine: Engine,
        channels: Mapping[str, Channel],
        client: httpx.AsyncClient,
        now: Callable[[], datetime],
        policy: RetryPolicy,
        pacer: Pacing,
        rng: random.Random,
        token: str,
        workers: int,
        stop: asyncio.Event,
    ) -> None:
        self.engine = engine
        self.channels = channels
        self.client = client
        self.now = now
        self.policy = policy
        self.pacer = pacer
        self.rng = rng
        self.token = token
        self.workers = workers
        self.stop = stop
        self.skip_locked = engine.dialect.name == "postgresql"
        self.tally: Counter[str] = Counter()
        self.dead_channels: dict[str, str] = {}  # channel id -> redacted error, to tell the admin
        self.failing_channels: dict[str, str] = {}  # permanent refusals: mark the channel failing
        self.busy = 0  # rows claimed whose outcome is not committed yet: at most ``workers``
        self.outcomes: list[store.Outcome] = []  # decided, not yet committed
        self.senders: set[asyncio.Task[None]] = set()
        self.wake = asyncio.Event()
        self.settled = False  # serve() ended with every claimed row recorded
        # One thread for all of this run's SQL: SQLite has one writer, and two threads taking
        # turns on its lock would wait in its busy handler (milliseconds each time).
        self.db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-db")
        self.connection: Connection | None = None  # the database thread's, for the whole run

    async def serve(self, limit: int) -> None:
        """Claim, send and record until nothing is due, ``limit`` rows were claimed, or stop."""
        loop = asyncio.get_running_loop()
        claimed, more = 0, True
        while True:
            if 0 < len(self.outcomes) < self.busy // 2 and not self.stop.is_set():
                await asyncio.sleep(LINGER_S)
            want = 0
            if more and not self.stop.is_set():
                want = min(self.workers - self.busy, limit - claimed)
            outcomes, self.outcomes = self.outcomes, []
            if want <= 0 and not outcomes:
                if self.busy == 0:
                    self.settled = True
                    return
                self.wake.clear()
                await self.wake.wait()
                continue
            rows = await loop.run_in_executor(self.db, self._settle_and_claim, outcomes, want)
            self.busy += len(rows) - len(outcomes)
            self.tally.update(outcome.state for outcome in outcomes)
            claimed += len(rows)
            more = more and (want == 0 or bool(rows))
            for row in rows:
                task = asyncio.create_task(self._send(row))
                self.senders.add(task)
                task.add_done_callback(self.senders.discard)

    def _settle_and_claim(self, outcomes: list[store.Outcome], want: int) -> list[store.Claimed]:
        # One connection for the run, on this thread: a trip is then two statements and a
        # commit, with no pool checkout (nor PostgreSQL's pre-ping) each time.
        if self.connection is None:
            self.connection = self.engine.connect()
        connection = self.connection
        try:
            store.apply_outcomes(connection, outcomes)
            rows = []
            if want > 0:
                rows = store.claim_due(
                    connection,
                    now=self.now(),
                    token=self.token,
                    channel_ids=list(self.channels),
                    limit=want,
                    skip_locked=self.skip_locked,
                )
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        return rows

    def _close_connection(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    async def _send(self, row: store.Claimed) -> None:
        try:
            outcome = await self.deliver(row)
        except Exception as exc:
            # deliver() decides every outcome, but an error it does not expect must not end the
            # sender without one: its row would stay "sending" until the lease and serve() would
            # wait for it forever ("Retry-After: 1e300" once overflowed the date arithmetic
            # there). Retried later, as a crash.
            log.exception("delivery crashed", extra={"channel": row.channel_id})
            later = self.now() + timedelta(seconds=self.policy.base_delay_s)
            error = f"newsbot could not send it ({type(exc).__name__}); it will retry"
            outcome = self._outcome(row, "failed", error=error, next_attempt_at=later)
        self.outcomes.append(outcome)  # the list in place now: serve() swaps it while waiting
        self.wake.set()

    def finish(self) -> None:
        """Stop the senders; record what was decided and give back what was not (a stop).

        Runs on the way out, cancelled or not: the database thread first ends the statement it
        is running (a claim it made is then released too), then one transaction settles all.
        """
        for task in self.senders:
            task.cancel()
        self.db.submit(self._close_connection)
        self.db.shutdown(wait=True)
        outcomes, self.outcomes = self.outcomes, []
        if self.settled and not outcomes:
            return
        with Session(self.engine) as session:
            store.apply_outcomes(session, outcomes)
            session.commit()
            released = store.release(session, token=self.token)
        if released:
            log.info("outbox stopped", extra={"released": released})

    async def deliver(self, row: store.Claimed) -> store.Outcome:
        """Send one row and decide what becomes of it."""
        channel = self.channels[row.channel_id]
        try:
            delay_s = await self.pacer.acquire(channel)
        except Exception:  # the shared budget's database failed: nothing was sent, try later
            log.exception("pacing failed", extra={"channel": channel.id})
            delay_s = PACING_RETRY_S
        if delay_s is not None:
            later = self.now() + timedelta(seconds=delay_s)
            return self._outcome(row, "pending", attempted=False, next_attempt_at=later)
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
            return self._outcome(row, "dead", error=error)
        except Exception as exc:  # a bug must not lose the row: retried like a transient failure
            log.exception("delivery crashed", extra={"channel": channel.id})
            return self._transient(row, channel, TransientDeliveryError(type(exc).__name__))
        return self._outcome(row, "sent", response_text=channel.redact(text)[:2000])

    def _outcome(
        self, row: store.Claimed, state: store.OutcomeState, **fields: Any
    ) -> store.Outcome:
        return store.Outcome(row.id, row.token, state, self.now(), **fields)

    def _transient(
        self, row: store.Claimed, channel: Channel, exc: TransientDeliveryError
    ) -> store.Outcome:
        error = _clean(channel, exc)
        if exc.retry_after_s:
            self.pacer.hold(channel.id, self.policy.retry_after(exc.retry_after_s))
        attempt = row.attempts + 1
        if attempt >= self.policy.max_attempts:
            self.dead_channels.setdefault(channel.id, f"gave up after {attempt} attempts: {error}")
            return self._outcome(row, "dead", error=error)
        delay_s = self.policy.delay_s(attempt, exc.retry_after_s, self.rng)
        if isinstance(exc.__cause__, httpx.TimeoutException):
            # The endpoint did not answer (or accept) in time: its other rows wait as long as
            # this one, deferred untried, rather than each taking a sender for a whole timeout.
            # Else an endpoint that takes connections and never answers holds every sender,
            # wave after wave, while other channels' messages wait behind its backlog.
            self.pacer.hold(channel.id, delay_s)
        later = self.now() + timedelta(seconds=delay_s)
        log.info("delivery failed", extra={"channel": channel.id, "error": error})
        return self._outcome(row, "failed", error=error, next_attempt_at=later)

    async def after(self, admin_channel_id: str | None) -> None:
        """Flag permanently failing channels and tell the admin, once per channel per day."""
        if self.failing_channels or self.dead_channels:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self.db, self._after, admin_channel_id)

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


def _clean(channel: Channel, exc: Exception) -> str:
    """An error text fit for the database: channel secrets and URL tokens redacted."""
    return channel.redact(str(exc))[:1000]  # redact() ends with the registry-wide scrub()
