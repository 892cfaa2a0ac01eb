"""The SQL of the outbox (the ``deliveries`` table): insert once, claim due rows, record outcomes.

Only :mod:`newsbot.outbox` calls these; they hold no policy (when to retry is decided there).
A claim is one ``UPDATE ... WHERE id IN (due rows) AND state IN due ... RETURNING``: the rows it
returns are exactly the rows it changed, so two callers never get the same row, whatever their
worker id (SQLite runs the statement under its one write lock; PostgreSQL adds
``FOR UPDATE SKIP LOCKED`` so concurrent claimers take different rows without waiting).

Each claim writes its own token in ``claimed_by`` (``"<worker identity>/<token>"``); outcomes and
releases match that exact token, and a restarted process takes back the rows of its identity.

Usage::

    with Session(engine) as session:
        rows = claim_due(session, now=now, token="slot-0/3f2a", channel_ids=["ops"], limit=4)
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

from sqlalchemy import Connection, Integer, Update, bindparam, func, or_, update
from sqlmodel import Session, col, select

from newsbot.errors import short_error
from newsbot.secrets import scrub
from newsbot.store.tables import ChannelRow, DeliveryRow

PENDING, SENDING, SENT, FAILED, DEAD = "pending", "sending", "sent", "failed", "dead"
DUE_STATES = (PENDING, FAILED)

OutcomeState = Literal["sent", "failed", "dead", "pending"]


@dataclass(frozen=True)
class Claimed:
    """A row handed to one sender: what it needs to send, and the claim that owns it."""

    id: int
    channel_id: str
    message_json: str
    attempts: int
    token: str


@dataclass(frozen=True)
class Outcome:
    """What became of one send; ``attempted`` is False for a row only deferred by pacing.

    ``token`` is the claim's: the outcome only lands while the row is still that claim's.
    """

    delivery_id: int
    token: str
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


def requeue_stale(
    session: Session, *, sending_before: datetime | None = None, identity: str | None = None
) -> int:
    """Rows left in "sending" go back to pending; returns how many.

    A row goes back when its lease ran out (claimed before ``sending_before``) or, with
    ``identity``, when a claim of that identity holds it: a restarted process takes back at
    once what its own previous run left (it knows that run is dead: it holds its identity).
    """
    conditions = []
    if sending_before is not None:
        conditions.append(col(DeliveryRow.updated_at) < sending_before)
    if identity is not None:
        prefix = f"{identity}/"
        conditions.append(func.substr(col(DeliveryRow.claimed_by), 1, len(prefix)) == prefix)
    if not conditions:
        return 0
    result = session.execute(
        update(DeliveryRow)
        .where(col(DeliveryRow.state) == SENDING, or_(*conditions))
        .values(state=PENDING, claimed_by=None)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def claim_due(
    session: Session | Connection,
    *,
    now: datetime,
    token: str,
    channel_ids: Collection[str],
    limit: int,
    skip_locked: bool = False,
) -> list[Claimed]:
    """Mark up to ``limit`` due rows of these channels as sending under ``token``; return them.

    One statement: the caller commits (with the outcomes it records in the same transaction).
    """
    parameters = {
        "c_now": now,
        "c_at": now,
        "c_token": token,
        "c_channels": list(channel_ids),
        "c_limit": limit,
    }
    rows = _connection(session).execute(_claim_statement(skip_locked), parameters).all()
    claimed = [Claimed(r[0], r[1], r[2], r[3], token) for r in rows]
    claimed.sort(key=lambda c: c.id)
    return claimed


@cache
def _claim_statement(skip_locked: bool) -> Update:
    """The claim, built once (building it is most of a claim's cost); values are bound."""
    table = DeliveryRow.__table__  # type: ignore[attr-defined]
    due = (
        select(table.c.id)
        .where(
            table.c.state.in_(DUE_STATES),
            table.c.next_attempt_at <= bindparam("c_now", type_=table.c.next_attempt_at.type),
            table.c.channel_id.in_(bindparam("c_channels", expanding=True)),
        )
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(bindparam("c_limit", type_=Integer))
    )
    if skip_locked:
        due = due.with_for_update(skip_locked=True)
    return (
        update(table)
        # The state check: a row another claimer took between our read and write is not ours.
        .where(table.c.id.in_(due.scalar_subquery()), table.c.state.in_(DUE_STATES))
        .values(
            state=SENDING,
            claimed_by=bindparam("c_token", type_=table.c.claimed_by.type),
            updated_at=bindparam("c_at", type_=table.c.updated_at.type),
        )
        .returning(table.c.id, table.c.channel_id, table.c.message_json, table.c.attempts)
    )


def release(session: Session, *, token: str) -> int:
    """Give back to pending every row still "sending" under ``token`` (a stop); returns how many.

    Rows whose outcome was recorded are no longer "sending" and stay as they are.
    """
    result = session.execute(
        update(DeliveryRow)
        .where(col(DeliveryRow.state) == SENDING, col(DeliveryRow.claimed_by) == token)
        .values(state=PENDING, claimed_by=None)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def count_due(session: Session, *, now: datetime, excluding: Collection[str]) -> int:
    """Due rows whose channel is not among ``excluding`` (unknown or inactive channels)."""
    query = select(func.count()).where(
        col(DeliveryRow.state).in_(DUE_STATES), col(DeliveryRow.next_attempt_at) <= now
    )
    if excluding:
        query = query.where(col(DeliveryRow.channel_id).not_in(list(excluding)))
    return int(session.exec(query).one())


def apply_outcomes(session: Session | Connection, outcomes: Sequence[Outcome]) -> None:
    """Record outcomes with one executemany; only rows still "sending" under the outcome's
    claim change (a row released or taken back meanwhile is someone else's now).

    The caller commits.
    """
    if not outcomes:
        return
    _connection(session).execute(_outcome_statement(), [_parameters(o) for o in outcomes])


def _connection(session: Session | Connection) -> Connection:
    """The connection to run a Core statement on: the outbox holds one for a whole run."""
    return session.connection() if isinstance(session, Session) else session


@cache
def _outcome_statement() -> Update:
    """The outcome UPDATE, built once; each outcome's values are bound (one executemany)."""
    table = DeliveryRow.__table__  # type: ignore[attr-defined]
    return (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            table.c.state == SENDING,
            table.c.claimed_by == bindparam("b_token", type_=table.c.claimed_by.type),
        )
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


def _parameters(outcome: Outcome) -> dict[str, object]:
    sent = outcome.state == SENT
    return {
        "b_id": outcome.delivery_id,
        "b_token": outcome.token,
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
