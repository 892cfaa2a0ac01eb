"""The outbox's enqueue side: a message becomes a ``deliveries`` row inside the caller's
transaction (re-exported by :mod:`newsbot.outbox`; import it from there).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from newsbot.models import Message
from newsbot.store import outbox as store


def message_to_json(message: Message) -> str:
    """The JSON stored in ``DeliveryRow.message_json`` (rendered text only, no secrets)."""
    data = asdict(message)
    data["items"] = list(data["items"])
    return json.dumps(data, ensure_ascii=False)


def message_from_json(text: str) -> Message:
    """The inverse of :func:`message_to_json`."""
    data: dict[str, Any] = json.loads(text)
    data["items"] = tuple(data.get("items", ()))
    return Message(**data)


def enqueue(
    session: Session,
    *,
    dedupe_key: str,
    kind: str,
    channel_id: str,
    subscriber_id: str | None,
    article_id: int | None,
    message: Message,
    now: datetime,
    not_before: datetime | None = None,
) -> bool:
    """Add a pending delivery due now (or at ``not_before``, e.g. the end of quiet hours);
    False (and nothing added) when ``dedupe_key`` exists.

    The row is flushed inside the caller's transaction; the caller commits, so the delivery
    and whatever caused it (a match marked alerted) are stored together or not at all.
    """
    delivery = NewDelivery(
        dedupe_key, kind, channel_id, subscriber_id, article_id, message, not_before
    )
    return enqueue_many(session, [delivery], now=now) == 1


@dataclass(frozen=True)
class NewDelivery:
    """A message to queue with :func:`enqueue_many`; ``not_before`` holds it (quiet hours)."""

    dedupe_key: str
    kind: str
    channel_id: str
    subscriber_id: str | None
    article_id: int | None
    message: Message
    not_before: datetime | None = None


def enqueue_many(session: Session, deliveries: Sequence[NewDelivery], *, now: datetime) -> int:
    """Queue many messages in a few statements (an issue that thousands of subscribers want).

    Same guarantees as :func:`enqueue`: a dedupe_key that exists is skipped, the caller commits.
    Returns how many were new.
    """
    # Ingest renders one Message per distinct text and shares it among the subscribers who get
    # that text: encode each once (10,000 subscribers of one issue are ~150 distinct messages).
    # Keyed by identity, which holds while ``deliveries`` keeps every message alive.
    encoded: dict[int, str] = {}

    def encode(message: Message) -> str:
        if (text := encoded.get(id(message))) is None:
            text = encoded[id(message)] = message_to_json(message)
        return text

    rows = [
        {
            "dedupe_key": d.dedupe_key,
            "kind": d.kind,
            "channel_id": d.channel_id,
            "subscriber_id": d.subscriber_id,
            "article_id": d.article_id,
            "message_json": encode(d.message),
            "state": store.PENDING,
            "attempts": 0,
            "next_attempt_at": d.not_before or now,
            "created_at": now,
            "updated_at": now,
        }
        for d in deliveries
    ]
    return store.insert_deliveries(session, rows)


def queue_notice(
    session: Session,
    *,
    channel_id: str,
    kind: str,
    title: str,
    text: str,
    key: str,
    now: datetime,
    templates_dir: Path | None = None,
) -> bool:
    """Queue an admin notice (a source or channel failing) in the channel's own format.

    ``key`` names the notice (one per failure streak, say); False when it was queued before.
    """
    from newsbot.render import render_notice

    messages = render_notice(kind, title, text, templates_dir=templates_dir)
    notices = [NewDelivery(f"{key}:{m.part}", "admin", channel_id, None, None, m) for m in messages]
    return enqueue_many(session, notices, now=now) > 0
