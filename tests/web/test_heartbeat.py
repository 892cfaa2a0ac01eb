"""/healthz tells a busy scheduler from a stuck one by the loop's heartbeat."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.web.server import AsgiClient, write_config

from newsbot.config import load_settings
from newsbot.pipeline import App
from newsbot.store.db import make_engine
from newsbot.web._heartbeat import Heartbeat


class Clock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s


def test_heartbeat_is_stuck_only_past_its_limit() -> None:
    """Silent up to stuck_after_s is busy; one moment more is stuck; a beat clears it."""
    clock = Clock()
    heartbeat = Heartbeat(clock=clock, stuck_after_s=300)
    assert heartbeat.silent_s() == 0
    clock.now_s += 300
    assert not heartbeat.stuck()
    clock.now_s += 0.5
    assert heartbeat.stuck()
    heartbeat.beat()
    assert not heartbeat.stuck()


def test_heartbeat_beats_on_the_loop_it_runs_on() -> None:
    """run() beats at once and then every interval until cancelled."""
    clock = Clock()
    heartbeat = Heartbeat(clock=clock)

    async def scenario() -> None:
        task = asyncio.create_task(heartbeat.run(interval_s=0))
        clock.now_s += 50
        await asyncio.sleep(0)  # let the task run once
        await asyncio.sleep(0)
        task.cancel()

    asyncio.run(scenario())
    assert heartbeat.silent_s() == 0


def test_healthz_is_503_when_the_scheduler_loop_is_silent_too_long(tmp_path: Path) -> None:
    """The console answers from its own thread, so /healthz reports a wedged scheduler loop."""
    from newsbot.web import create_app

    clock = Clock()
    heartbeat = Heartbeat(clock=clock, stuck_after_s=300)
    settings = load_settings(write_config(tmp_path, wecom_url="http://127.0.0.1:9/wecom"))
    engine = make_engine(f"sqlite:///{tmp_path / 'n.db'}")
    client = AsgiClient(create_app(App(settings=settings, engine=engine), heartbeat=heartbeat))
    try:
        assert client.get("/healthz").json() == {"status": "alive"}
        clock.now_s += 301
        stuck = client.get("/healthz")
        assert stuck.status_code == 503
        assert stuck.json() == {"status": "stuck", "scheduler_silent_s": 301.0}
        heartbeat.beat()
        assert client.get("/healthz").status_code == 200
    finally:
        engine.dispose()
