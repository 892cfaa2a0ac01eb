"""The SQL of the outbox (the ``deliveries`` table): insert once, claim due rows, record outcomes.

Only :mod:`newsbot.outbox` calls these; they hold no policy (when to retry is decided there).
Claiming is safe with several workers: on PostgreSQL with ``FOR UPDATE SKIP LOCKED``; on SQLite
the single writer lock plus a state check in the UPDATE gives each row to one worker.

Usage::

    with Session(engine) as session:
        rows = claim_due(session, now=now, worker_id="w1", channel_ids=["ops"], limit=50)
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, col, select

from newsbot.errors import short_error
from newsbot.secrets import scrub
from newsbot.store.tables import ChannelRow, DeliveryRow

PENDING, SENDING, SENT, FAILED, DEAD = "pending", "sending", "sent", "failed", "dead"
DUE_STATES = (PENDING, FAILED)

OutcomeState = Literal["sent", "failed", "dead", "pending"]


@dataclass(frozen=True)
class Outcome:
    """What became of one send; ``attempted`` is False for a row only deferred by pacing."""

    delivery_id: int
    state: OutcomeState
    at: datetime
    attempted: bool = True
    response_text: str | None = None
    error: str | None = None
    next_attempt_at: datetime | None = None


def insert_deliveries(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert many deliveries in a few statements; existing dedupe_keys are skipped. Returns new."""
    from newsbot.store._bulk import insert_ignoring_conflicts

    inserted = insert_ignoring_conflicts(
        session,
        DeliveryRow,
        rows,
        conflict_columns=["dedupe_key"],
        returning=[DeliveryRow.id],  # type: ignore[list-item]
    )
    return len(inserted)


def requeue_stale(session: Session, *, sending_before: datetime) -> int:
    """Rows left in "sending" by a crashed worker go back to pending; returns how many."""
    result = session.execute(
        update(DeliveryRow)
        .where(col(DeliveryRow.state) == SENDING, col(DeliveryRow.updated_at) < sending_before)
        .values(state=PENDING, claimed_by=None)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def claim_due(
    session: Session,
    *,
    now: datetime,
    worker_id: str,
    channel_ids: Collection[str],
    limit: int,
    skip_locked: bool = False,
) -> list[DeliveryRow]:
    """Mark up to ``limit`` due rows of these channels as sending by ``worker_id``; return them."""
    query = (
        select(DeliveryRow.id)
        .where(
            col(DeliveryRow.state).in_(DUE_STATES),
            col(DeliveryRow.next_attempt_at) <= now,
            col(DeliveryRow.channel_id).in_(list(channel_ids)),
        )
        .order_by(col(DeliveryRow.next_attempt_at), col(DeliveryRow.id))
        .limit(limit)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    ids = list(session.exec(query).all())
    if not ids:
        session.commit()
        return []
    session.execute(
        update(DeliveryRow)
        # The state check makes a row claimed by a concurrent worker (SQLite) not ours.
        .where(col(DeliveryRow.id).in_(ids), col(DeliveryRow.state).in_(DUE_STATES))
        .values(state=SENDING, claimed_by=worker_id, updated_at=now)
    )
    session.commit()
    claimed = session.exec(
        select(DeliveryRow)
        .where(
            col(DeliveryRow.id).in_(ids),
            DeliveryRow.state == SENDING,
            DeliveryRow.claimed_by == worker_id,
        )
        .order_by(col(DeliveryRow.next_attempt_at), col(DeliveryRow.id))
    ).all()
    for row in claimed:
        session.expunge(row)
    return list(claimed)


def count_due(session: Session, *, now: datetime, excluding: Collection[str]) -> int:
    """Due rows whose channel is not among ``excluding`` (unknown or inactive channels)."""
    query = select(func.count()).where(
        col(DeliveryRow.state).in_(DUE_STATES), col(DeliveryRow.next_attempt_at) <= now
    )
    if excluding:
        query = query.where(col(DeliveryRow.channel_id).not_in(list(excluding)))
    return int(session.exec(query).one())


def apply_outcomes(session: Session, outcomes: Sequence[Outcome]) -> None:
    """Record outcomes in one transaction (one executemany); only rows still "sending" change."""
    if not outcomes:
        return
    table = DeliveryRow.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.state == SENDING)
        .values(
            state=bindparam("b_state"),
            updated_at=bindparam("b_at", type_=table.c.updated_at.type),
            claimed_by=None,
            attempts=table.c.attempts + bindparam("b_attempted"),
            last_error=bindparam("b_error", type_=table.c.last_error.type),
            # Unset values keep the column as it is.
            sent_at=func.coalesce(
                bindparam("b_sent_at", type_=table.c.sent_at.type), table.c.sent_at
            ),
            response_text=func.coalesce(bindparam("b_response"), table.c.response_text),
            next_attempt_at=func.coalesce(
                bindparam("b_next", type_=table.c.next_attempt_at.type), table.c.next_attempt_at
            ),
        )
    )
    session.connection().execute(statement, [_parameters(o) for o in outcomes])
    session.commit()


def _parameters(outcome: Outcome) -> dict[str, object]:
    sent = outcome.state == SENT
    return {
        "b_id": outcome.delivery_id,
        "b_state": outcome.state,
        "b_at": outcome.at,
        "b_attempted": 1 if outcome.attempted else 0,
        # Stored errors and answers go through the one redaction (every known secret value).
        # One short line with the code first: a platform's HTML error page is cut to its words.
        "b_error": None if sent or outcome.error is None else short_error(outcome.error),
        "b_sent_at": outcome.at if sent else None,
        "b_response": scrub(outcome.response_text) if sent and outcome.response_text else None,
        "b_next": outcome.next_attempt_at,
    }


def mark_channel_failing(session: Session, channel_id: str, error: str) -> bool:
    """Flag a channel whose endpoint refused permanently; False when no such channel row."""
    result = session.execute(
        update(ChannelRow)
        .where(col(ChannelRow.id) == channel_id)
        .values(failing=True, last_error=short_error(error))
    )
    session.commit()
    return bool(getattr(result, "rowcount", 0))


def list_deliveries(
    session: Session, *, failed_only: bool = False, limit: int = 50
) -> list[DeliveryRow]:
    """The newest deliveries first; ``failed_only`` keeps failed and dead ones."""
    query = select(DeliveryRow)
    if failed_only:
        query = query.where(col(DeliveryRow.state).in_((FAILED, DEAD)))
    rows = session.exec(query.order_by(col(DeliveryRow.id).desc()).limit(limit)).all()
    return list(rows)
