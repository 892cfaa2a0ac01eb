"""The SQL of the shared send budget (the ``endpoint_pace`` table): take a slot, hold back.

Only :mod:`newsbot.pacing` calls these; they hold no policy. Each is one atomic UPDATE, so
processes sharing the database (SQLite's single writer, PostgreSQL's row lock, which re-reads
the row a concurrent UPDATE changed) never hand the same slot to two senders.

Usage::

    with Session(engine) as session:
        (wait_s,) = take_slots(session, [(key, 3.4)], now_s=time.time(), horizon_s=5.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import case, literal, update
from sqlmodel import Session, col, select

from newsbot.store.tables import EndpointPaceRow


def _ensure(session: Session, endpoint_key: str) -> None:
    from newsbot.store._bulk import insert_ignoring_conflicts

    row = {"endpoint_key": endpoint_key, "next_free_s": 0.0, "updated_at": datetime.now(UTC)}
    insert_ignoring_conflicts(
        session,
        EndpointPaceRow,
        [row],
        conflict_columns=["endpoint_key"],
        returning=[EndpointPaceRow.endpoint_key],  # type: ignore[list-item]
    )


def take_slots(
    session: Session, wanted: Sequence[tuple[str, float]], *, now_s: float, horizon_s: float
) -> list[float]:
    """Reserve each endpoint's next slot, for each (endpoint key, interval) in order, in one
    transaction and one commit (the pacer gathers the senders that asked meanwhile); returns
    the seconds to wait for each (0 when free now). Two for one endpoint get consecutive slots.

    A slot further away than ``horizon_s`` is not reserved and its (larger) wait is returned,
    so the caller defers the message instead of holding a sender. An endpoint's row is made
    on its first use only.
    """
    waits = []
    for endpoint_key, interval_s in wanted:
        wait_s = _take(session, endpoint_key, now_s, interval_s, horizon_s)
        if wait_s is None:
            later = _next_free_s(session, endpoint_key)
            if later is None:  # the endpoint's first send: make its row, then take
                _ensure(session, endpoint_key)
                wait_s = _take(session, endpoint_key, now_s, interval_s, horizon_s)
                later = _next_free_s(session, endpoint_key) if wait_s is None else None
            if wait_s is None:
                wait_s = max(horizon_s, (later or 0.0) - now_s)
        waits.append(wait_s)
    session.commit()
    return waits


def _take(
    session: Session, endpoint_key: str, now_s: float, interval_s: float, horizon_s: float
) -> float | None:
    """The wait for the slot just reserved; None when none was (too far, or no row)."""
    next_free = col(EndpointPaceRow.next_free_s)
    slot = case((next_free > now_s, next_free), else_=literal(now_s))
    taken = session.execute(
        update(EndpointPaceRow)
        .where(col(EndpointPaceRow.endpoint_key) == endpoint_key, slot - now_s <= horizon_s)
        .values(next_free_s=slot + interval_s, updated_at=datetime.now(UTC))
        .returning(col(EndpointPaceRow.next_free_s))
    ).scalar_one_or_none()
    return None if taken is None else max(0.0, float(taken) - interval_s - now_s)


def _next_free_s(session: Session, endpoint_key: str) -> float | None:
    value = session.exec(
        select(EndpointPaceRow.next_free_s).where(EndpointPaceRow.endpoint_key == endpoint_key)
    ).one_or_none()
    return None if value is None else float(value)


def hold_until(session: Session, endpoint_key: str, *, until_s: float) -> None:
    """No slot before ``until_s`` (the platform said it is throttling us); commits."""
    _ensure(session, endpoint_key)
    next_free = col(EndpointPaceRow.next_free_s)
    session.execute(
        update(EndpointPaceRow)
        .where(col(EndpointPaceRow.endpoint_key) == endpoint_key)
        .values(
            next_free_s=case((next_free > until_s, next_free), else_=literal(until_s)),
            updated_at=datetime.now(UTC),
        )
    )
    session.commit()


def next_free_s(session: Session, endpoint_key: str) -> float | None:
    """The endpoint's next free slot (Unix seconds), None when it never sent."""
    row = session.get(EndpointPaceRow, endpoint_key)
    return None if row is None else row.next_free_s
