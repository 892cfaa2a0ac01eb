"""The scheduler's wiring: digest triggers in the subscriber's zone, one leader on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from newsbot import outbox, pipeline
from newsbot.config import DigestSettings, Subscriber, SubscriberSettings, load_settings
from newsbot.ingest import quiet_hours_end
from newsbot.models import Message
from newsbot.outbox import OutboxReport, enqueue
from newsbot.pipeline import App
from newsbot.scheduler import Service, digest_trigger
from newsbot.store.db import make_engine
from newsbot.store.locks import LeaderLock
from newsbot.testing.platforms import WHSEC, FakePlatforms


def subscriber(**overrides: object) -> Subscriber:
    settings = SubscriberSettings.model_validate({"id": "s", "channels": ["c"], **overrides})
    return Subscriber(settings=settings, rules=())


def test_daily_digest_fires_at_the_subscribers_hour_in_their_zone() -> None:
    """A digest at 08:00 Asia/Shanghai fires at 00:00 UTC."""
    trigger = digest_trigger(subscriber(digest=DigestSettings(at="08:00")))
    fire = trigger.get_next_fire_time(None, datetime(2025, 5, 15, 12, 0, tzinfo=UTC))
    assert fire is not None
    assert fire.astimezone(UTC) == datetime(2025, 5, 16, 0, 0, tzinfo=UTC)


def test_weekly_digest_fires_on_its_weekday_only() -> None:
    """A weekly digest on Monday 07:30 Europe/Berlin skips the other days."""
    trigger = digest_trigger(
        subscriber(timezone="Europe/Berlin", digest=DigestSettings(at="07:30", weekday="mon"))
    )
    fire = trigger.get_next_fire_time(None, datetime(2025, 5, 14, 12, 0, tzinfo=UTC))  # a Wednesday
    assert fire is not None
    assert fire.weekday() == 0
    assert (fire.hour, fire.minute) == (7, 30)


def test_quiet_hours_across_midnight() -> None:
    """23:00-06:30 holds an alert at 01:00 until 06:30 the same morning; at 12:00 nothing waits."""
    chen = subscriber(quiet_hours="23:00-06:30")
    night = datetime(2025, 5, 15, 17, 0, tzinfo=UTC)  # 01:00 in Shanghai
    assert quiet_hours_end(chen, night) == datetime(2025, 5, 15, 22, 30, tzinfo=UTC)
    noon = datetime(2025, 5, 16, 4, 0, tzinfo=UTC)
    assert quiet_hours_end(chen, noon) is None
    assert quiet_hours_end(subscriber(), night) is None


def test_only_one_process_leads_on_postgres(postgres_url: str) -> None:
    """Two schedulers on one PostgreSQL database: one leads; when it lets go, the other can."""
    first, second = make_engine(postgres_url), make_engine(postgres_url)
    a, b = LeaderLock(first), LeaderLock(second)
    try:
        assert a.acquire()
        assert not b.held()
        a.release()
        assert b.held()
    finally:
        a.release()
        b.release()
        first.dispose()
        second.dispose()


def test_each_schema_of_a_database_has_its_own_leader(postgres_url: str) -> None:
    """Two deployments on two schemas of one PostgreSQL database each get a leader: the lock
    is named after the database and schema (as the outbox's worker slots are)."""
    engine = make_engine(postgres_url)
    other = f"nb_{uuid.uuid4().hex[:12]}"
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{other}"'))
    other_engine = make_engine(
        postgres_url.split("?", maxsplit=1)[0] + f"?options=-csearch_path%3D{other}"
    )
    a, b = LeaderLock(engine), LeaderLock(other_engine)
    try:
        assert a.acquire()
        assert b.acquire()
    finally:
        a.release()
        b.release()
        other_engine.dispose()
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{other}" CASCADE'))
        engine.dispose()


def test_sqlite_process_always_leads(sqlite_url: str) -> None:
    """With SQLite (one process by design) the lock is always held."""
    engine = make_engine(sqlite_url)
    assert LeaderLock(engine).held()
    engine.dispose()


def test_an_outbox_run_asked_for_during_a_run_is_one_more_pass_not_a_second_run(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A poll that queued alerts asks for the outbox while its job is sending: the running
    job makes one more pass; never two runs side by side (twice the sends in flight)."""
    running, most, passes = [0], [0], [0]
    real_send_due = pipeline.send_due

    async def counted(*args: Any, **kwargs: Any) -> OutboxReport:
        running[0] += 1
        passes[0] += 1
        most[0] = max(most[0], running[0])
        try:
            return await real_send_due(*args, **kwargs)
        finally:
            running[0] -= 1

    monkeypatch.setattr(pipeline, "send_due", counted)
    monkeypatch.setenv("NEWSBOT_TEST_WHSEC", WHSEC)
    with FakePlatforms(latency_s=0.05) as fake:
        app = _webhook_app(tmp_path, engine, fake)
        _queue(app, range(20))
        service = Service(app)

        async def main() -> None:
            service.client = app.delivery_client()
            first = asyncio.create_task(service._send())
            await asyncio.sleep(0.02)  # the first run is sending
            _queue(app, range(20, 25))  # a poll queued alerts meanwhile
            await service._send()  # returns at once: the running job will pass again
            assert passes[0] == 1
            await first
            await service.client.aclose()

        asyncio.run(main())
        assert fake.count("webhook") == 25
    assert most[0] == 1
    assert passes[0] == 2


def _webhook_app(tmp_path: Path, engine: Engine, fake: FakePlatforms) -> App:
    """An app with one signed webhook channel to the look-alike (NEWSBOT_TEST_WHSEC set)."""
    config = tmp_path / "newsbot.yaml"
    config.write_text(
        "channels:\n  - id: hook\n    kind: webhook\n"
        f"    url: {fake.base_url}/webhook/hooks/newsbot\n"
        "    secret: {$env: NEWSBOT_TEST_WHSEC}\n",
        encoding="utf-8",
    )
    return App(load_settings(config), engine)


def _queue(app: App, numbers: range) -> None:
    with Session(app.engine) as session:
        for n in numbers:
            message = Message("webhook", "alert", f"第{n}条", f'{{"n": {n}}}')
            enqueue(session, dedupe_key=f"k{n}", kind="alert", channel_id="hook",
                    subscriber_id=None, article_id=None, message=message, now=datetime.now(UTC))  # fmt: skip
        session.commit()


def test_one_outbox_job_sends_past_the_claim_limit_of_a_run(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More due rows than one run claims (outbox.RUN_LIMIT): the job runs again at once
    until none is left, instead of sending RUN_LIMIT rows per tick of the outbox job."""
    monkeypatch.setenv("NEWSBOT_TEST_WHSEC", WHSEC)
    total = outbox.RUN_LIMIT * 2 + 40
    with FakePlatforms() as fake:
        app = _webhook_app(tmp_path, engine, fake)
        _queue(app, range(total))
        service = Service(app)

        async def main() -> None:
            service.client = app.delivery_client()
            await service._send()
            await service.client.aclose()

        asyncio.run(main())
        assert fake.count("webhook") == total
