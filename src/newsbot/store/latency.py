"""How quickly an issue became alerts: the times ``newsbot status`` shows per source.

Both times are stored already: ``issues.fetched_at`` is the start of the poll that found the
issue, ``deliveries.sent_at`` the moment a platform accepted an alert. Only reads.

Usage::

    with Session(engine) as session:
        latency = latest_issue_latency(session, "ywsb")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from newsbot.store.db import as_utc
from newsbot.store.tables import ArticleRow, DeliveryRow, IssueRow


@dataclass(frozen=True)
class IssueLatency:
    """When a source's newest issue was seen, and when its first alert reached a platform."""

    issue_key: str
    seen_at: datetime  # the start of the poll that found the issue
    first_alert_at: datetime | None  # the first alert a platform accepted

    @property
    def first_alert_s(self) -> float | None:
        """Seconds from the poll that saw the issue to its first alert at the platform."""
        if self.first_alert_at is None:
            return None
        return (as_utc(self.first_alert_at) - as_utc(self.seen_at)).total_seconds()


def latest_issue_latency(session: Session, source_id: str) -> IssueLatency | None:
    """The newest issue of ``source_id`` and its first alert's time; None before any issue."""
    issue = session.exec(
        select(IssueRow)
        .where(IssueRow.source_id == source_id)
        .order_by(col(IssueRow.fetched_at).desc(), col(IssueRow.id).desc())
    ).first()
    if issue is None:
        return None
    first = session.exec(
        select(func.min(DeliveryRow.sent_at))
        .join(ArticleRow, col(ArticleRow.id) == col(DeliveryRow.article_id))
        .where(
            ArticleRow.issue_id == issue.id,
            DeliveryRow.kind == "alert",
            col(DeliveryRow.sent_at).is_not(None),
        )
    ).one()
    return IssueLatency(issue.issue_key, issue.fetched_at, first)
