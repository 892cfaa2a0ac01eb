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
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Connection, Engine
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
        self._connection: Connection | None = None  # the pacer thread's, kept between slots
        # Slots asked for and not yet taken; ``_taking`` while the thread works through them.
        self._lock = threading.Lock()
        self._wanted: list[tuple[str, float, asyncio.Future[float]]] = []
        self._taking = False

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
        slot: asyncio.Future[float] = loop.create_future()
        with self._lock:
            self._wanted.append((key, interval_s, slot))
            start, self._taking = not self._taking, True
        if start:
            self._db.submit(self._take_wanted, loop)
        wait_s = await slot
        if wait_s > self.horizon_s:
            return wait_s
        if wait_s > 0:
            await asyncio.sleep(wait_s)
        return None

    def _take_wanted(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the pacer's thread: the slots asked for meanwhile, in one transaction each round
        (a commit per send made this thread the outbox's bottleneck: ~500 msg/s to paced
        endpoints on SQLite), until nobody waits."""
        while True:
            with self._lock:
                wanted, self._wanted = self._wanted, []
                if not wanted:
                    self._taking = False
                    return
            try:
                waits = self._take([(key, interval_s) for key, interval_s, _ in wanted])
            except Exception as exc:  # every sender of the round hears of it
                for *_, slot in wanted:
                    _settle(loop, slot, exc)
                continue
            for (*_, slot), wait_s in zip(wanted, waits, strict=True):
                _settle(loop, slot, wait_s)

    def _take(self, wanted: list[tuple[str, float]]) -> list[float]:
        with self._session() as session:
            return store.take_slots(session, wanted, now_s=self.clock_s(), horizon_s=self.horizon_s)

    @contextlib.contextmanager
    def _session(self) -> Iterator[Session]:
        """A session on the pacer thread's one connection, held between rounds (no pool
        checkout, nor PostgreSQL's pre-ping, each time); a connection that failed is let go,
        and the next round connects again."""
        if self._connection is None:
            self._connection = self.engine.connect()
        try:
            with Session(bind=self._connection) as session:
                yield session
        except BaseException:
            self._drop_connection()
            raise

    def _drop_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def hold(self, channel_id: str, delay_s: float) -> None:
        """Keep the endpoint quiet for ``delay_s`` in every process (the platform throttled us).

        Returns at once; the write runs on the pacer's thread before any later slot is taken.
        """
        key = self._keys.get(channel_id)
        if key is None or delay_s <= 0:
            return
        until_s = self.clock_s() + delay_s
        self._held_until_s[key] = max(self._held_until_s.get(key, 0.0), until_s)
        self._db.submit(self._hold, key, until_s)

    def _hold(self, key: str, until_s: float) -> None:
        try:
            with self._session() as session:
                store.hold_until(session, key, until_s=until_s)
        except Exception:  # a lost hold only means the platform tells us again
            log.exception("pacing hold not stored")

    def close(self) -> None:
        """Finish pending holds, let go of the connection and stop the pacer's thread."""
        self._db.submit(self._drop_connection)
        self._db.shutdown(wait=True)


def _settle(
    loop: asyncio.AbstractEventLoop, slot: asyncio.Future[float], outcome: float | Exception
) -> None:
    """Hand a slot's wait (or the error) to its sender, on the sender's loop; a sender that
    gave up (a stop) has no one to hear it."""

    def settle() -> None:
        if slot.done():
            return
        if isinstance(outcome, Exception):
            slot.set_exception(outcome)
        else:
            slot.set_result(outcome)

    with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
        loop.call_soon_threadsafe(settle)
