"""One scheduler leader among several ``newsbot run`` processes.

On PostgreSQL a session-level advisory lock held on a dedicated connection; on SQLite
(one process by design) the lock is always held.

Usage::

    lock = LeaderLock(engine)
    lock.acquire()        # non-blocking: try now, and again on each held() check
    if lock.held(): ...   # run poll and digest jobs
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

# An arbitrary constant that names newsbot's lock among other applications' advisory locks.
LEADER_LOCK_KEY = 0x6E657773  # "news"


class LeaderLock:
    """Leadership for the scheduler's poll and digest jobs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        self._held = engine.dialect.name != "postgresql"

    def acquire(self) -> bool:
        """Try to become the leader; True when this process is (or already was)."""
        if self._held:
            return True
        if self._connection is None:
            self._connection = self.engine.connect()
        got = self._connection.execute(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK_KEY}
        ).scalar()
        self._connection.commit()
        self._held = bool(got)
        return self._held

    def held(self) -> bool:
        """Whether this process leads now; a follower retries, so leadership moves on a crash."""
        return self._held or self.acquire()

    def release(self) -> None:
        """Give up leadership (closing the connection frees the lock too)."""
        if self._connection is not None:
            if self._held:
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:k)"), {"k": LEADER_LOCK_KEY}
                )
                self._connection.commit()
            self._connection.close()
            self._connection = None
        self._held = self.engine.dialect.name != "postgresql"
