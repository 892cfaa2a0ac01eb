"""APScheduler wiring only: *when* things run. What runs is in :mod:`newsbot.pipeline`.

Jobs:
  - ``poll:<source>``    one per source; after each run it reschedules itself to the time the
                         source's policy names (publication window, interval + jitter, backoff);
  - ``digest:<sub>``     one per subscriber, a cron trigger at the digest hour in their zone;
  - ``outbox``           every few seconds, sends what is due (alerts go out within a minute).

On PostgreSQL only the holder of an advisory lock runs the poll and digest jobs, so several
``newsbot run`` processes share the outbox (SKIP LOCKED) without polling twice.

Usage::

    asyncio.run(run_service(app))      # until SIGINT/SIGTERM
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from datetime import datetime, timedelta
from typing import Any

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from newsbot import digest, metrics, outbox, pipeline
from newsbot.config import Subscriber, parse_hhmm
from newsbot.store.locks import LeaderLock, WorkerSlot
from newsbot.store.tables import SourceRow

log = logging.getLogger("newsbot.scheduler")

OUTBOX_INTERVAL_S = 5.0
OUTBOX_JOB_ID = "outbox"  # the periodic send job, which a poll wakes early
# At a stop, sends in flight get this long to finish and be recorded; then they are abandoned
# and their rows go back to pending (a service manager's stop must end within seconds).
STOP_GRACE_S = 2.0


def digest_trigger(subscriber: Subscriber) -> CronTrigger:
    """The cron trigger of a subscriber's digest, in the subscriber's time zone."""
    at = parse_hhmm(subscriber.settings.digest.at)
    weekday = subscriber.settings.digest.weekday
    return CronTrigger(
        hour=at.hour,
        minute=at.minute,
        day_of_week=weekday or "*",
        timezone=subscriber.settings.timezone,
    )


class Service:
    """The long-running process: builds the jobs, runs them, stops cleanly."""

    def __init__(self, app: pipeline.App) -> None:
        self.app = app
        self.scheduler = AsyncIOScheduler(timezone=app.settings.timezone)
        self.leader = LeaderLock(app.engine)
        self.stopping = asyncio.Event()
        # The outbox's identity: a slot held while running, so a restart finds its own rows.
        self.slot = WorkerSlot(app.engine)
        self.worker_id = "main"
        self.client: httpx.AsyncClient | None = None  # one client: connections kept across runs
        self._sending: asyncio.Task[Any] | None = None  # the outbox run going, if any
        self._send_again = False  # alerts were queued during that run: one more pass

    def _add_jobs(self) -> None:
        now = self.app.clock()
        for source_id in self.app.sources():
            self.scheduler.add_job(
                self._poll,
                DateTrigger(run_date=self._first_poll_at(source_id, now)),
                args=[source_id],
                id=f"poll:{source_id}",
                max_instances=1,
                misfire_grace_time=None,
            )
        for subscriber in self.app.settings.subscribers.values():
            if subscriber.settings.active:
                self.scheduler.add_job(
                    self._digest,
                    digest_trigger(subscriber),
                    args=[subscriber.id],
                    id=f"digest:{subscriber.id}",
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=3600,
                )
        self.scheduler.add_job(
            self._send,
            IntervalTrigger(seconds=OUTBOX_INTERVAL_S),
            id=OUTBOX_JOB_ID,
            max_instances=1,
            coalesce=True,
            next_run_time=now,
        )

    def _first_poll_at(self, source_id: str, now: datetime) -> datetime:
        with self.app.session() as session:
            row = session.get(SourceRow, source_id)
        if row is not None and row.next_poll_at is not None and row.next_poll_at > now:
            return row.next_poll_at
        return now

    async def _poll(self, source_id: str) -> None:
        from newsbot.sources import SourceState, next_poll_at

        report = None
        if self.leader.held():
            report = await pipeline.poll_source(self.app, source_id, wake=self._wake_outbox)
            metrics.record_poll(report)
            log.info("polled", extra={"source": source_id, "outcome": report.outcome})
        now = self.app.clock()
        with self.app.session() as session:
            row = session.get(SourceRow, source_id)
            failures = row.consecutive_failures if row is not None else 0
            outcome = report.outcome if report is not None else "standby"
            when = next_poll_at(
                self.app.settings.sources[source_id],
                now=now,
                outcome=outcome,
                consecutive_failures=failures,
                # Retry-After and Cache-Control answers, remembered in the state, push it back.
                state=SourceState.from_json(row.state_json if row is not None else None),
            )
            if row is not None:
                row.next_poll_at = when
                session.add(row)
                session.commit()
        if not self.stopping.is_set():
            self.scheduler.add_job(
                self._poll,
                DateTrigger(run_date=max(when, now + timedelta(seconds=1))),
                args=[source_id],
                id=f"poll:{source_id}",
                replace_existing=True,
                max_instances=1,
                misfire_grace_time=None,
            )
        if report is not None and report.alerts:
            await self._send()

    def _wake_outbox(self) -> None:
        """Run the outbox job now (alerts of a first page are queued) instead of at its tick.

        The job itself runs, so it never overlaps another run of it (max_instances=1).
        """
        job = self.scheduler.get_job(OUTBOX_JOB_ID)
        if job is not None:
            job.modify(next_run_time=datetime.now(job.trigger.timezone))

    async def _digest(self, subscriber_id: str) -> None:
        if self.leader.held():
            queued = digest.queue_digest(self.app, self.app.settings.subscribers[subscriber_id])
            log.info("digest queued", extra={"subscriber": subscriber_id, "messages": queued})
            if queued:
                await self._send()

    async def _send(self) -> None:
        """Run the outbox; while a run is going, ask it for one more pass instead of starting
        a second run beside it (two runs would keep twice ``workers`` messages in flight,
        and so twice the messages a SIGKILL can make repeat)."""
        if self._sending is not None:
            self._send_again = True
            return
        self._sending = asyncio.current_task()
        try:
            again = True
            while again and not self.stopping.is_set():
                self._send_again = False
                report = await pipeline.send_due(
                    self.app, worker_id=self.worker_id, stop=self.stopping, client=self.client
                )
                if report.sent or report.failed or report.dead:
                    log.info(
                        "outbox",
                        extra={"sent": report.sent, "failed": report.failed, "dead": report.dead},
                    )
                # A run stops at its claim limit (outbox.RUN_LIMIT): when it got there,
                # more may be due, and waiting for the next tick would cap the service at
                # 100 messages every 5 s.
                again = self._send_again or report.handled >= outbox.RUN_LIMIT
        except asyncio.CancelledError:
            if not self.stopping.is_set():
                raise
            # Our own stop abandoned the sends still out after STOP_GRACE_S (the outbox gave
            # their rows back): part of a normal stop, which apscheduler would otherwise log as
            # the job failing, with a traceback, at every stop against a slow platform.
            log.info("outbox sends abandoned at the stop")
        finally:
            self._sending = None

    def _start_outbox(self) -> None:
        """Take a stable identity and give back at once the rows its previous run held."""
        self.worker_id = self.slot.__enter__()
        taken = outbox.take_back(self.app.engine, self.worker_id)
        if taken:
            log.info("outbox rows taken back", extra={"worker": self.worker_id, "rows": taken})
        self.client = self.app.delivery_client()

    async def _stop_outbox(self) -> None:
        """Sends in flight finish within STOP_GRACE_S or are cancelled (their rows released)."""
        self.scheduler.pause()  # no new job starts; stopping is set, so no send claims more
        if self._sending is not None:
            _, late = await asyncio.wait({self._sending}, timeout=STOP_GRACE_S)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self.client is not None:
            await self.client.aclose()
        self.slot.__exit__(None, None, None)

    async def run(self) -> None:
        """Run until SIGINT/SIGTERM; pending work stays in the outbox for the next start."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.stopping.set)
        self.leader.acquire()
        self._start_outbox()
        # Compile the matcher once up front, then move its ~100 MB of objects (100,000 rules)
        # out of the garbage collector's sight: later collections skip them (docs/rules.md).
        _ = self.app.matcher
        gc.collect()
        gc.freeze()
        self._add_jobs()
        self.scheduler.start()
        try:
            await self.stopping.wait()
        finally:
            self.stopping.set()
            await self._stop_outbox()
            self.scheduler.shutdown(wait=False)
            self.leader.release()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)


async def run_service(app: pipeline.App) -> None:
    """Entry point of ``newsbot run``."""
    await Service(app).run()
