"""Matches: which subscriber wants which article, whether it was alerted, when digested.

Usage::

    if record_match(session, subscriber_id="chen", article_id=7, ...):
        ...  # first time: enqueue the alert
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlmodel import Session, col, select

from newsbot.models import Explanation
from newsbot.store.tables import ArticleRow, MatchRow


class NewMatch(NamedTuple):
    """A match about to be recorded. ``wants_alert`` means an alert is being queued for it.

    A named tuple: a poll makes one per (subscriber, article), 150,000 for a big one.
    """

    subscriber_id: str
    article_id: int
    rule_ids: tuple[str, ...]
    explanations: tuple[Explanation, ...]
    wants_alert: bool
    wants_digest: bool


def record_match(
    session: Session,
    *,
    subscriber_id: str,
    article_id: int,
    rule_ids: Sequence[str],
    explanations: Sequence[Explanation],
    wants_alert: bool,
    wants_digest: bool,
    now: datetime,
) -> MatchRow | None:
    """Record that a subscriber wants an article; None when it was recorded before (no double)."""
    existing = session.exec(
        select(MatchRow).where(
            MatchRow.subscriber_id == subscriber_id, MatchRow.article_id == article_id
        )
    ).first()
    if existing is not None:
        return None
    row = MatchRow(
        subscriber_id=subscriber_id,
        article_id=article_id,
        rule_ids_json=json.dumps(list(rule_ids), ensure_ascii=False),
        explanations_json=explanations_to_json(explanations),
        wants_alert=wants_alert,
        wants_digest=wants_digest,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def record_matches(
    session: Session, rows: Sequence[NewMatch], *, now: datetime
) -> set[tuple[str, int]]:
    """Record many matches (a whole poll's) at once; returns the (subscriber, article) pairs
    that were new.

    A (subscriber, article) pair recorded before is left as it was (no double alert).
    """
    from newsbot.store._bulk import insert_ignoring_conflicts

    # Thousands of subscribers share an article's explanations (and often rule names):
    # each distinct tuple is turned into JSON once.
    explained: dict[tuple[Explanation, ...], str] = {}
    ruled: dict[tuple[str, ...], str] = {}
    values = []
    for m in rows:
        explanations = explained.get(m.explanations)
        if explanations is None:
            explanations = explained[m.explanations] = explanations_to_json(m.explanations)
        rule_ids = ruled.get(m.rule_ids)
        if rule_ids is None:
            rule_ids = ruled[m.rule_ids] = json.dumps(list(m.rule_ids), ensure_ascii=False)
        values.append(
            {
                "subscriber_id": m.subscriber_id,
                "article_id": m.article_id,
                "rule_ids_json": rule_ids,
                "explanations_json": explanations,
                "wants_alert": m.wants_alert,
                "wants_digest": m.wants_digest,
                "alerted": m.wants_alert,
                "created_at": now,
            }
        )
    inserted = insert_ignoring_conflicts(
        session,
        MatchRow,
        values,
        conflict_columns=["subscriber_id", "article_id"],
        returning=[MatchRow.subscriber_id, MatchRow.article_id],  # type: ignore[list-item]
    )
    return {(subscriber_id, article_id) for subscriber_id, article_id in map(tuple, inserted)}


def explanations_to_json(explanations: Sequence[Explanation]) -> str:
    """Explanations as JSON text for the matches table."""
    data = [e.to_json() for e in explanations]
    return json.dumps(data, ensure_ascii=False)


def explanations_from_json(text: str) -> tuple[Explanation, ...]:
    """The inverse of :func:`explanations_to_json`."""
    return tuple(
        Explanation(term=d["term"], field=d["field"], snippet=d["snippet"])
        for d in json.loads(text)
    )


def due_digest_items(session: Session, subscriber_id: str) -> list[tuple[MatchRow, ArticleRow]]:
    """Matches waiting for this subscriber's next digest, oldest first."""
    rows = session.exec(
        select(MatchRow, ArticleRow)
        .join(ArticleRow, col(ArticleRow.id) == col(MatchRow.article_id))
        .where(MatchRow.subscriber_id == subscriber_id)
        .where(col(MatchRow.wants_digest).is_(True))
        .where(col(MatchRow.digested_at).is_(None))
        .order_by(col(MatchRow.created_at), col(ArticleRow.page), col(ArticleRow.id))
    ).all()
    return [(m, a) for m, a in rows]


def mark_digested(session: Session, matches: Sequence[MatchRow], *, now: datetime) -> None:
    """Mark matches as sent in a digest so the next digest does not repeat them."""
    for match in matches:
        match.digested_at = now
        session.add(match)
    session.flush()
