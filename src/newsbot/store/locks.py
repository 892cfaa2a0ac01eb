"""Locks between several ``newsbot run`` processes: one scheduler leader, one outbox identity each.

On PostgreSQL both are session-level advisory locks held on a dedicated connection. On SQLite
(one process by design) the leader lock is always held, and a worker slot is an ``flock``
beside the database file.

Usage::

    lock = LeaderLock(engine)
    lock.acquire()        # non-blocking: try now, and again on each held() check
    if lock.held(): ...   # run poll and digest jobs

    with WorkerSlot(engine) as identity:   # "slot-0"
        ...
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, text

try:
    import fcntl
except ImportError:  # Windows: no flock; SQLite is one process there
    fcntl = None  # type: ignore[assignment]

# Each lock's first key names this database and schema, and the lock's use: deployments
# sharing a server (or tests, one schema each) take neither each other's lead nor slots.
_LEADER_KEY_SQL = "hashtext(current_database() || '/' || current_schema() || '/newsbot-leader')"
_SLOT_KEY_SQL = "hashtext(current_database() || '/' || current_schema() || '/newsbot-outbox')"
# An arbitrary constant, the leader lock's second key.
LEADER_LOCK_KEY = 0x6E657773  # "news"
MAX_SLOTS = 1024


def _try_advisory_lock(connection: Connection, key_sql: str, values: dict[str, int]) -> bool:
    """Take the session advisory lock named by ``key_sql`` on ``connection`` if it is free."""
    query = text(f"SELECT pg_try_advisory_lock({key_sql})")
    got = connection.execute(query, values).scalar()
    connection.commit()
    return bool(got)


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
        key_sql = f"{_LEADER_KEY_SQL}, :k"
        self._held = _try_advisory_lock(self._connection, key_sql, {"k": LEADER_LOCK_KEY})
        return self._held

    def held(self) -> bool:
        """Whether this process leads now; a follower retries, so leadership moves on a crash."""
        return self._held or self.acquire()

    def release(self) -> None:
        """Give up leadership (closing the connection frees the lock too)."""
        if self._connection is not None:
            if self._held:
                self._connection.execute(
                    text(f"SELECT pg_advisory_unlock({_LEADER_KEY_SQL}, :k)"),
                    {"k": LEADER_LOCK_KEY},
                )
                self._connection.commit()
            self._connection.close()
            self._connection = None
        self._held = self.engine.dialect.name != "postgresql"


class WorkerSlot:
    """A stable name for this process's claims: ``slot-N``, N the lowest slot no live process holds.

    A process that crashes and starts again gets the same slot back (its lock died with it), so
    it may take back its own rows at once; two live processes never share a slot. The lock is a
    session advisory lock on PostgreSQL and an ``flock`` beside the database file on SQLite.

    Usage::

        with WorkerSlot(engine) as identity:   # "slot-0"
            ...
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.identity = ""
        self._connection: Connection | None = None
        self._file: IO[bytes] | None = None

    def __enter__(self) -> str:
        for slot in range(MAX_SLOTS):
            if self._try(slot):
                self.identity = f"slot-{slot}"
                return self.identity
        raise RuntimeError(f"all {MAX_SLOTS} outbox worker slots are held")

    def __exit__(self, *_exc: object) -> None:
        if self._connection is not None:
            # A pooled connection outlives close(): unlock explicitly.
            self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
            self._connection.commit()
            self._connection.close()
            self._connection = None
        if self._file is not None:
            self._file.close()  # closing the file frees its flock
            self._file = None

    def _try(self, slot: int) -> bool:
        if self.engine.dialect.name == "postgresql":
            if self._connection is None:
                self._connection = self.engine.connect()
            return _try_advisory_lock(self._connection, f"{_SLOT_KEY_SQL}, :slot", {"slot": slot})
        database = self.engine.url.database
        if not database or database == ":memory:" or fcntl is None:
            return True  # one process by design (an in-memory database, or no flock here)
        handle = Path(f"{database}.outbox-{slot}.lock").open("ab")  # noqa: SIM115 - held open
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True
