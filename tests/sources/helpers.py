"""Helpers of the sources tests: a fixed clock, a runner, a client, fixture paths."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from newsbot._http import make_async_client
from newsbot.sources import SOURCE_KINDS, PollResult, Source, SourceState

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sources"
# Real pages and feeds from the shared corpus, one copy for the extract and sources tests.
CORPUS = Path(__file__).parent.parent / "fixtures" / "extract"
SHANGHAI = ZoneInfo("Asia/Shanghai")
T = TypeVar("T")


def at(text: str) -> datetime:
    """A Shanghai wall-clock time, ``"2025-05-16 06:00"``."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one coroutine to completion (no pytest-asyncio: each test owns its loop)."""
    return asyncio.run(coro)


def poll(
    source: Source, state: SourceState | None = None, *, now: datetime, day: date | None = None
) -> PollResult:
    """Poll ``source`` once through a real newsbot client, synchronously."""

    async def go() -> PollResult:
        async with make_async_client(timeout_s=5) as client:
            return await source.poll(client, state or SourceState(), day=day, now=now)

    return asyncio.run(go())


def options(kind: str, **fields: Any) -> Any:
    """Validated options of ``kind`` for a test source: no politeness delay, short timeout."""
    fields.setdefault("id", "test")
    fields.setdefault("min_interval_s", 0)
    fields.setdefault("timeout_s", 3)
    return SOURCE_KINDS[kind].Options.model_validate({"kind": kind, **fields})
