"""Read-only queries for the web console, the health checks, the metrics scrape and the demo.

Everything here only reads; nothing the console shows comes from SQL of its own. Issues and
their articles are read through :mod:`newsbot.store.articles` (``latest_issues``,
``issue_article_rows``), the same queries the matcher's commands use.

Usage::

    with Session(engine) as session:
        ping(session)                          # raises when the database is unreachable
        for row, issues in source_health(session): ...
        depth, oldest = outbox_due(session, now=now)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from newsbot.models import Explanation
from newsbot.store.matches import explanations_from_json
from newsbot.store.outbox import DEAD, DUE_STATES, FAILED, PENDING, SENT
from newsbot.store.tables import (
    ArticleRow,
    ChannelRow,
    DeliveryRow,
    IssuePageRow,
    IssueRow,
    MatchRow,
    SourceRow,
    SubscriberRow,
)


def ping(session: Session) -> None:
    """Run the cheapest statement; raises the driver's error when the database is unreachable."""
    session.execute(text("SELECT 1")).one()


def source_rows(session: Session) -> list[SourceRow]:
    """Every source row, active first, then by id."""
    query = select(SourceRow).order_by(col(SourceRow.active).desc(), col(SourceRow.id))
    return list(session.exec(query).all())


def source_health(session: Session) -> list[tuple[SourceRow, int]]:
    """Every source row (as :func:`source_rows`) with how many issues it has stored."""
    counts = dict(
        session.exec(select(IssueRow.source_id, func.count()).group_by(IssueRow.source_id)).all()
    )
    return [(row, int(counts.get(row.id, 0))) for row in source_rows(session)]


def issue_pages(session: Session, issue_id: int) -> list[IssuePageRow]:
    """The stored pages of one issue (page index and PDF links), in page order."""
    return list(
        session.exec(
            select(IssuePageRow)
            .where(IssuePageRow.issue_id == issue_id)
            .order_by(col(IssuePageRow.page))
        ).all()
    )


@dataclass(frozen=True)
class MatchView:
    """Who an article matched, by which rules, and why."""

    subscriber_id: str
    subscriber_name: str
    rule_ids: tuple[str, ...]
    explanations: tuple[Explanation, ...]
    wants_alert: bool
    wants_digest: bool
    alerted: bool
    digested_at: datetime | None
    created_at: datetime


def article_matches(session: Session, article_id: int) -> list[MatchView]:
    """The recorded matches of one article, by subscriber id."""
    import json

    rows = session.exec(
        select(MatchRow, SubscriberRow)
        .join(SubscriberRow, col(SubscriberRow.id) == col(MatchRow.subscriber_id))
        .where(MatchRow.article_id == article_id)
        .order_by(col(MatchRow.subscriber_id))
    ).all()
    return [
        MatchView(
            subscriber_id=match.subscriber_id,
            subscriber_name=subscriber.name,
            rule_ids=tuple(json.loads(match.rule_ids_json)),
            explanations=explanations_from_json(match.explanations_json),
            wants_alert=match.wants_alert,
            wants_digest=match.wants_digest,
            alerted=match.alerted,
            digested_at=match.digested_at,
            created_at=match.created_at,
        )
        for match, subscriber in rows
    ]


def article_deliveries(session: Session, article_id: int) -> list[DeliveryRow]:
    """The deliveries that carry one article, oldest first."""
    return list(
        session.exec(
            select(DeliveryRow)
            .where(DeliveryRow.article_id == article_id)
            .order_by(col(DeliveryRow.id))
        ).all()
    )


def deliveries(
    session: Session, *, states: Sequence[str] = (), limit: int = 100
) -> list[DeliveryRow]:
    """The newest deliveries first, of the given states (all states when none given).

    The console's outbox log and ``newsbot deliveries`` (``--failed``: failed and dead) both
    read this.
    """
    query = select(DeliveryRow)
    if states:
        query = query.where(col(DeliveryRow.state).in_(list(states)))
    return list(session.exec(query.order_by(col(DeliveryRow.id).desc()).limit(limit)).all())


def delivery_counts(session: Session) -> list[tuple[str, str, int]]:
    """(channel id, state, how many) for every pair that has deliveries."""
    rows = session.exec(
        select(DeliveryRow.channel_id, DeliveryRow.state, func.count())
        .group_by(DeliveryRow.channel_id, DeliveryRow.state)
        .order_by(DeliveryRow.channel_id, DeliveryRow.state)
    ).all()
    return [(channel, state, int(count)) for channel, state, count in rows]


@dataclass(frozen=True)
class ChannelHealth:
    """A channel row with how many of its deliveries are in each state."""

    row: ChannelRow
    by_state: dict[str, int]

    @property
    def failed(self) -> int:
        """Deliveries failed and waiting for a retry."""
        return self.by_state.get(FAILED, 0)

    @property
    def dead(self) -> int:
        """Deliveries given up on."""
        return self.by_state.get(DEAD, 0)

    @property
    def failing(self) -> bool:
        """Flagged by a permanent refusal, or holding failed or dead deliveries."""
        return self.row.failing or self.failed > 0 or self.dead > 0


def channel_health(session: Session) -> list[ChannelHealth]:
    """Every channel row with its delivery counts by state (:func:`delivery_counts`), by id."""
    by_channel: dict[str, dict[str, int]] = {}
    for channel, state, count in delivery_counts(session):
        by_channel.setdefault(channel, {})[state] = count
    rows = session.exec(select(ChannelRow).order_by(col(ChannelRow.id))).all()
    return [ChannelHealth(row, by_channel.get(row.id, {})) for row in rows]


def outbox_due(session: Session, *, now: datetime) -> tuple[int, datetime | None]:
    """(rows due now, creation time of the oldest of them): the outbox's depth and lag."""
    count, oldest = session.exec(
        select(func.count(), func.min(DeliveryRow.created_at)).where(
            col(DeliveryRow.state).in_(DUE_STATES), col(DeliveryRow.next_attempt_at) <= now
        )
    ).one()
    return int(count), oldest


def last_delivery_id(session: Session) -> int:
    """The id of the newest delivery row (0 when there is none): a mark to report after."""
    return int(session.exec(select(func.max(DeliveryRow.id))).one() or 0)


def held_deliveries(
    session: Session, *, now: datetime, after_id: int = 0, up_to_id: int | None = None
) -> list[tuple[str | None, int, datetime]]:
    """(subscriber id, how many, earliest due time) of pending deliveries not due before
    ``now`` (held by quiet hours), per subscriber, among rows ``after_id < id <= up_to_id``."""
    query = (
        select(DeliveryRow.subscriber_id, func.count(), func.min(DeliveryRow.next_attempt_at))
        .where(DeliveryRow.state == PENDING, col(DeliveryRow.next_attempt_at) > now)
        .where(col(DeliveryRow.id) > after_id)
        .group_by(DeliveryRow.subscriber_id)
    )
    if up_to_id is not None:
        query = query.where(col(DeliveryRow.id) <= up_to_id)
    return [(subscriber, int(count), until) for subscriber, count, until in session.exec(query)]


def sent_deliveries(session: Session, *, after_id: int) -> list[DeliveryRow]:
    """The deliveries made after row ``after_id`` and sent, oldest first."""
    return list(
        session.exec(
            select(DeliveryRow)
            .where(DeliveryRow.state == SENT, col(DeliveryRow.id) > after_id)
            .order_by(col(DeliveryRow.id))
        ).all()
    )


def table_counts(session: Session) -> dict[str, int]:
    """How many issues, articles and matches are stored."""
    return {
        "issues": int(session.exec(select(func.count()).select_from(IssueRow)).one()),
        "articles": int(session.exec(select(func.count()).select_from(ArticleRow)).one()),
        "matches": int(session.exec(select(func.count()).select_from(MatchRow)).one()),
    }
