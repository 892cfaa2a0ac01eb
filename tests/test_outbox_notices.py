"""Admin notices and channel health, also when no admin channel is configured."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select

from newsbot.channels import build_channel
from newsbot.models import Message
from newsbot.outbox import enqueue, queue_notice, send_due
from newsbot.store.tables import ChannelRow, DeliveryRow
from newsbot.testing.platforms import FakePlatforms


def test_a_refused_channel_is_flagged_failing_even_without_an_admin_channel(engine: Engine) -> None:
    """A permanent refusal marks the channel failing whether or not anyone can be told."""
    now = datetime.now(UTC)
    with FakePlatforms() as fake:
        channel = build_channel(fake.options("wecom", "ops"))
        fake.script("wecom", "gone")
        with Session(engine) as session:
            session.add(ChannelRow(id="ops", kind="wecom"))
            message = Message(channel_kind="wecom", kind="alert", title="t", body="b")
            enqueue(session, dedupe_key="k", kind="alert", channel_id="ops", subscriber_id=None,
                    article_id=None, message=message, now=now)  # fmt: skip
            session.commit()

        async def run() -> None:
            async with httpx.AsyncClient() as client:
                await send_due(engine, {"ops": channel}, client=client, now=lambda: now,
                               worker_id="w", admin_channel_id=None)  # fmt: skip

        asyncio.run(run())
    with Session(engine) as session:
        row = session.get(ChannelRow, "ops")
    assert row is not None
    assert row.failing


def test_a_notice_is_queued_once_per_key_in_the_channel_s_format(engine: Engine) -> None:
    """The same notice key twice queues one notice, rendered for the admin channel's kind."""
    now = datetime.now(UTC)

    def notice(session: Session) -> bool:
        return queue_notice(
            session, channel_id="admin", kind="telegram", title="源 <x> 失败", text="HTTP 500",
            key="admin:source:ywsb:1", now=now,
        )  # fmt: skip

    with Session(engine) as session:
        first, again = notice(session), notice(session)
        session.commit()
        rows = session.exec(select(DeliveryRow)).all()
    assert (first, again) == (True, False)
    assert len(rows) == 1
    assert rows[0].kind == "admin"
    assert "&lt;x&gt;" in rows[0].message_json
