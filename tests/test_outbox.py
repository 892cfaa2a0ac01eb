"""The outbox: enqueue once, send due rows, record outcomes (state machine, retries, pacing)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select

from newsbot.channels import build_channel
from newsbot.channels.file import FileOptions
from newsbot.models import Message
from newsbot.outbox import enqueue, message_from_json, message_to_json, send_due
from newsbot.store.db import make_engine
from newsbot.store.tables import DeliveryRow

T0 = datetime(2025, 5, 16, 8, 0, tzinfo=UTC)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh SQLite file with the schema."""
    engine = make_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _message(n: int = 0) -> Message:
    return Message("file", "alert", f"标题 {n}", f"正文 {n}")


def _enqueue(engine: Engine, keys: list[str], channel_id: str = "local") -> list[bool]:
    with Session(engine) as session:
        added = [
            enqueue(
                session,
                dedupe_key=key,
                kind="alert",
                channel_id=channel_id,
                subscriber_id="s1",
                article_id=None,
                message=_message(i),
                now=T0,
            )
            for i, key in enumerate(keys)
        ]
        session.commit()
    return added


def test_message_json_round_trips() -> None:
    """A Message stored as JSON comes back equal, Chinese text kept as is."""
    message = Message("wecom", "digest", "日报", "**正文**", part=2, parts=3, items=({"a": 1},))
    text = message_to_json(message)
    assert "日报" in text
    assert message_from_json(text) == message


def test_enqueue_twice_with_the_same_key_adds_one_row(engine: Engine) -> None:
    """A dedupe_key that exists already is not enqueued again (no double sends)."""
    assert _enqueue(engine, ["a", "b", "a"]) == [True, True, False]
    with Session(engine) as session:
        assert len(session.exec(select(DeliveryRow)).all()) == 2


def test_send_due_delivers_pending_rows_to_the_file_channel(engine: Engine, tmp_path: Path) -> None:
    """Due rows go out once, end "sent" with the channel's answer, and are not sent again."""
    _enqueue(engine, [f"k{i}" for i in range(5)])
    out = tmp_path / "messages.txt"
    channel = build_channel(FileOptions(id="local", kind="file", path=out))

    async def run() -> tuple[int, int]:
        async with httpx.AsyncClient() as client:
            first = await send_due(
                engine, {"local": channel}, client=client, now=lambda: T0, worker_id="w"
            )
            second = await send_due(
                engine, {"local": channel}, client=client, now=lambda: T0, worker_id="w"
            )
        return first.sent, second.sent

    assert asyncio.run(run()) == (5, 0)
    assert out.read_text(encoding="utf-8").count("正文") == 5
    with Session(engine) as session:
        rows = session.exec(select(DeliveryRow)).all()
    assert {r.state for r in rows} == {"sent"}
    assert all(r.attempts == 1 and r.response_text for r in rows)


def test_rows_of_unknown_channels_are_skipped_not_claimed(engine: Engine, tmp_path: Path) -> None:
    """A due row whose channel is not configured is counted as skipped and left pending."""
    _enqueue(engine, ["x"], channel_id="gone")
    channel = build_channel(FileOptions(id="local", kind="file", path=tmp_path / "m.txt"))

    async def run() -> int:
        async with httpx.AsyncClient() as client:
            report = await send_due(
                engine, {"local": channel}, client=client, now=lambda: T0, worker_id="w"
            )
        return report.skipped

    assert asyncio.run(run()) == 1
    with Session(engine) as session:
        assert session.exec(select(DeliveryRow.state)).one() == "pending"
