"""One send budget per endpoint, kept in the database, shared by every process and restart.

Each platform declares a rate (:attr:`Channel.max_per_minute`); newsbot sends at
:data:`~newsbot.channels.base.PACE_HEADROOM` of it, one slot every
:attr:`Channel.min_send_interval_s`. The slots live in the ``endpoint_pace`` table, keyed by
a hash of the endpoint (:meth:`Channel.pace_key`), so two ``newsbot run`` on one PostgreSQL
database together stay under the limit, and a restart does not forget the last minute's sends.
A platform's Retry-After (or a throttling code) holds the endpoint for every process.

:class:`SharedPacer` fits the outbox's pacer protocol: ``await acquire(channel)`` waits for
the slot and returns None, or returns the wait (seconds) without reserving when the slot is
beyond the horizon, so the outbox defers the row; ``hold(channel_id, delay_s)``.

Usage::

    pacer = SharedPacer(engine)
    report = await send_due(engine, channels, client=client, now=now, worker_id=w, pacer=pacer)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Engine
from sqlmodel import Session

from newsbot.channels import Channel
from newsbot.outbox import PACING_HORIZON_S
from newsbot.store import pacing as store

log = logging.getLogger(__name__)


class SharedPacer:
    """The database-backed pacer: one budget per endpoint for all processes (see module doc)."""

    def __init__(
        self,
        engine: Engine,
        *,
        horizon_s: float = PACING_HORIZON_S,
        clock_s: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.horizon_s = horizon_s
        self.clock_s = clock_s  # wall clock: processes on several hosts compare these times
        self._keys: dict[str, str] = {}  # channel id -> pace key, for hold()
        self._held_until_s: dict[str, float] = {}  # pace key -> end of the hold it asked for
        # One thread for the budget's SQL: a slot is one short UPDATE, never on the event loop.
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pacing-db")
        self._holds: set[Future[None]] = set()

    async def acquire(self, channel: Channel) -> float | None:
        """Wait for the endpoint's next slot; return the delay instead when beyond the horizon.

        Cancellable: a cancelled wait gives its slot up to nobody (the budget only errs on
        the slow side).
        """
        interval_s = channel.min_send_interval_s
        key = self._keys.get(channel.id)
        if key is None:
            key = self._keys[channel.id] = channel.pace_key()
        # No declared limit: nothing to share, unless the endpoint asked this process to wait
        # (a Retry-After) and the wait is not over; until then its budget is read as any other.
        if interval_s <= 0 and self._held_until_s.get(key, 0.0) <= self.clock_s():
            return None
        loop = asyncio.get_running_loop()
        wait_s = await loop.run_in_executor(self._db, self._take, key, interval_s)
        if wait_s > self.horizon_s:
            return wait_s
        if wait_s > 0:
            await asyncio.sleep(wait_s)
        return None

    def _take(self, key: str, interval_s: float) -> float:
        with Session(self.engine) as session:
            return store.take_slot(
                session,
                key,
                now_s=self.clock_s(),
                interval_s=interval_s,
                horizon_s=self.horizon_s,
            )

    def hold(self, channel_id: str, delay_s: float) -> None:
        """Keep the endpoint quiet for ``delay_s`` in every process (the platform throttled us).

        Returns at once; the write runs on the pacer's thread before any later slot is taken.
        """
        key = self._keys.get(channel_id)
        if key is None or delay_s <= 0:
            return
        until_s = self.clock_s() + delay_s
        self._held_until_s[key] = max(self._held_until_s.get(key, 0.0), until_s)
        future = self._db.submit(self._hold, key, until_s)
        self._holds.add(future)
        future.add_done_callback(self._holds.discard)

    def _hold(self, key: str, until_s: float) -> None:
        try:
            with Session(self.engine) as session:
                store.hold_until(session, key, until_s=until_s)
        except Exception:  # a lost hold only means the platform tells us again
            log.exception("pacing hold not stored")

    def close(self) -> None:
        """Finish pending holds and stop the pacer's thread."""
        self._db.shutdown(wait=True)
