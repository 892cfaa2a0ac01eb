"""Digests: at a subscriber's hour, everything matched since the last digest, in one message.

Articles already alerted are marked as such in the digest (the templates show it).
Called by the scheduler (a cron job per subscriber) and by ``newsbot demo``.

Usage::

    queued = queue_digest(app, app.settings.subscribers["reader-wang"])
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import select

from newsbot.config import Subscriber
from newsbot.store.articles import article_from_row
from newsbot.store.matches import due_digest_items, explanations_from_json, mark_digested
from newsbot.store.tables import SourceRow

if TYPE_CHECKING:
    from newsbot.pipeline import App


def digest_title(subscriber: Subscriber, now: datetime) -> str:
    """``每日摘要 2025-05-16`` (or weekly), dated in the subscriber's time zone."""
    local = now.astimezone(ZoneInfo(subscriber.settings.timezone))
    label = "每周摘要" if subscriber.settings.digest.weekday else "每日摘要"
    return f"{label} {local.date().isoformat()}"


def queue_digest(app: App, subscriber: Subscriber, *, now: datetime | None = None) -> int:
    """Render and queue this subscriber's digest; returns messages queued (0: nothing waiting)."""
    from newsbot import outbox
    from newsbot.render import DigestItem, render_digest

    now = now or app.clock()
    with app.session() as session:
        rows = due_digest_items(session, subscriber.id)
        if not rows:
            return 0
        names = {r.id: r.name for r in session.exec(select(SourceRow)).all()}
        items = [
            DigestItem(
                article=article_from_row(article),
                explanations=explanations_from_json(match.explanations_json),
                alerted=match.alerted,
                source_name=names.get(article.source_id, article.source_id),
            )
            for match, article in rows
        ]
        title = digest_title(subscriber, now)
        first_id = rows[0][0].id
        deliveries: list[outbox.NewDelivery] = []
        for channel_id in subscriber.settings.channels:
            messages = render_digest(
                app.settings.channels[channel_id].kind,
                items,
                subscriber_name=subscriber.settings.name or subscriber.id,
                title=title,
                max_items_per_message=subscriber.settings.digest.max_items,
                templates_dir=app.settings.templates_dir,
            )
            deliveries.extend(
                outbox.NewDelivery(
                    dedupe_key=f"digest:{subscriber.id}:{channel_id}:{first_id}:{m.part}",
                    kind="digest",
                    channel_id=channel_id,
                    subscriber_id=subscriber.id,
                    article_id=None,
                    message=m,
                )
                for m in messages
            )
        queued = outbox.enqueue_many(session, deliveries, now=now)
        mark_digested(session, [m for m, _ in rows], now=now)
        session.commit()
    return queued


def queue_all_digests(app: App, *, now: datetime | None = None) -> int:
    """Queue the digest of every active subscriber that has something waiting (demo, tests)."""
    return sum(
        queue_digest(app, s, now=now)
        for s in app.settings.subscribers.values()
        if s.settings.active
    )
