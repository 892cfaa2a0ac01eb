"""`newsbot run` stopped and killed while its outbox is busy (issue 9, defects 2 and 3).

Real processes (`python -m newsbot run`), a real slow receiver (FakePlatforms' signed
webhook), a SQLite file and PostgreSQL. "At least once": nothing is lost, and only a request
in flight at a kill or an abandoned stop may arrive twice.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from newsbot.channels.webhook import message_id
from newsbot.models import Message
from newsbot.outbox import DEFAULT_WORKERS, NewDelivery, enqueue_many, message_from_json
from newsbot.store.tables import DeliveryRow
from newsbot.testing.platforms import WHSEC, FakePlatforms

pytestmark = pytest.mark.slow

CONFIG = """\
sources:
  - id: drop
    kind: pagetext
    folder: drop
channels:
  - id: hook
    kind: webhook
    url: "{url}"
    secret: {{$env: NEWSBOT_TEST_WHSEC}}
subscribers:
  - id: a
    channels: [hook]
    rules:
      - id: r
        match: 反诈
"""


class Service:
    """`newsbot run` on one config and database, started and stopped as a service manager does.

    Use it as a context manager: leaving the block kills a process still running, so a failed
    assertion never leaves an orphan `newsbot run` holding the PostgreSQL leader lock (and
    sending) while the next test starts.
    """

    def __init__(self, tmp_path: Path, engine: Engine, fake: FakePlatforms) -> None:
        self.folder = tmp_path
        (tmp_path / "drop").mkdir(exist_ok=True)
        self.config = tmp_path / "newsbot.yaml"
        url = f"{fake.base_url}/webhook/hooks/newsbot"
        self.config.write_text(CONFIG.format(url=url), encoding="utf-8")
        database_url = engine.url.render_as_string(hide_password=False)
        self.env = {**os.environ, "NEWSBOT_DATABASE_URL": database_url, "NEWSBOT_TEST_WHSEC": WHSEC}
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()

    def kill(self) -> None:
        """SIGKILL the process if it still runs, and reap it (its pipes closed)."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
        if process is not None:
            process.communicate()

    def start(self) -> None:
        """Start `newsbot run`; the process of an earlier start must have been stopped."""
        assert self.process is None or self.process.poll() is not None, "already running"
        command = [sys.executable, "-m", "newsbot", "--config", str(self.config), "run"]
        self.process = subprocess.Popen(
            command,
            cwd=self.folder,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def stop(self, signum: int) -> tuple[int, str]:
        """Send ``signum``; the exit code and output. A hang past 20 s fails the test."""
        assert self.process is not None
        self.process.send_signal(signum)
        try:
            out, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"newsbot run did not stop within 20 s of signal {signum}")
        return self.process.returncode, out + err


def _fill(engine: Engine, total: int) -> None:
    message = lambda n: Message("webhook", "alert", f"第{n}条", "{}")  # noqa: E731
    rows = [NewDelivery(f"k{n}", "alert", "hook", "a", None, message(n)) for n in range(total)]
    with Session(engine) as session:
        enqueue_many(session, rows, now=datetime.now(UTC))
        session.commit()


def _rows(engine: Engine) -> dict[str, tuple[str, str]]:
    """message id -> (state, webhook id) of every row."""
    with Session(engine) as session:
        rows = session.exec(
            select(DeliveryRow.dedupe_key, DeliveryRow.state, DeliveryRow.message_json)
        )
        return {key: (state, message_id(message_from_json(text))) for key, state, text in rows}


def _states(engine: Engine) -> Counter[str]:
    return Counter(state for state, _ in _rows(engine).values())


def _wait_until(condition: Callable[[], bool], *, deadline_s: float = 60.0) -> None:
    """Poll until ``condition`` holds; the deadline only guards against a hung test."""
    give_up = time.monotonic() + deadline_s
    while not condition():
        assert time.monotonic() < give_up, "condition not reached"
        time.sleep(0.02)


def _received(fake: FakePlatforms) -> Counter[str]:
    return Counter(r.headers["webhook-id"] for r in fake.received)


def test_a_busy_service_stops_at_once_and_leaves_nothing_claimed(
    engine: Engine, tmp_path: Path
) -> None:
    """SIGTERM to `newsbot run` with 300 messages queued for a slow receiver: it
    exits 0 within seconds; no row is left "sending"; every request that went out is
    recorded "sent" (in-flight ones finished in the grace), the rest wait as pending."""
    _fill(engine, 300)
    with FakePlatforms(latency_s=0.3) as fake, Service(tmp_path, engine, fake) as service:
        service.start()
        _wait_until(lambda: fake.count() >= 8)
        # The count moves when a round of sends is answered: wait until the next round's
        # requests are at the receiver, so the signal lands with sends in flight.
        time.sleep(fake.latency_s / 2)
        at_signal = fake.count()
        code, output = service.stop(signal.SIGTERM)
    # Read once the fake has stopped: it waits for the answers it was still giving, so a
    # request abandoned at the stop is counted too.
    received = _received(fake)
    assert sum(received.values()) > at_signal  # sends were in flight at the signal
    assert code == 0, output
    assert "newsbot stopped" in output
    states = _states(engine)
    assert states["sending"] == 0
    assert states["pending"] > 0  # it was stopped under load, not after the work
    sent = {webhook for state, webhook in _rows(engine).values() if state == "sent"}
    assert set(received) == sent
    assert max(received.values()) == 1


def test_after_a_sigkill_the_restarted_service_sends_the_stranded_rows_at_once(
    engine: Engine, tmp_path: Path
) -> None:
    """SIGKILL `newsbot run` mid-send and start it again: it takes back the rows its dead
    run held (its worker slot) instead of waiting out their lease, so everything is sent well
    before the lease ends; only rows in flight at the kill arrive twice."""
    total = 200
    _fill(engine, total)
    with FakePlatforms(latency_s=0.05) as fake, Service(tmp_path, engine, fake) as service:
        service.start()
        _wait_until(lambda: fake.count() >= 20)
        service.stop(signal.SIGKILL)
        in_flight = {webhook for state, webhook in _rows(engine).values() if state == "sending"}
        # At most one per sender (none when the kill fell between two claims).
        assert len(in_flight) <= DEFAULT_WORKERS
        service.start()
        # The lease is 75 s: within this deadline only a take-back sends the stranded rows.
        _wait_until(lambda: _states(engine)["sent"] == total, deadline_s=45)
        code, output = service.stop(signal.SIGTERM)
        received = _received(fake)
    assert code == 0, output
    assert set(received) == {webhook for _, webhook in _rows(engine).values()}
    assert {webhook for webhook, times in received.items() if times > 1} <= in_flight


def test_leaving_the_block_kills_a_service_still_running(engine: Engine, tmp_path: Path) -> None:
    """A test that fails while `newsbot run` runs leaves no orphan: the process is killed
    and reaped when the `with` block is left by the failure."""
    started: list[subprocess.Popen[str]] = []

    def failing_test(fake: FakePlatforms) -> None:
        with Service(tmp_path, engine, fake) as service:
            service.start()
            assert service.process is not None
            started.append(service.process)
            raise RuntimeError("a failing test")

    with FakePlatforms() as fake, pytest.raises(RuntimeError, match="a failing test"):
        failing_test(fake)
    (process,) = started
    assert process.returncode is not None  # killed and reaped: not running, not a zombie


def test_a_kill_and_stop_loop_loses_nothing(engine: Engine, tmp_path: Path) -> None:
    """Two rounds of SIGKILL, SIGTERM or SIGINT at a random point, then a run to the end: every
    message arrives; a message arrives twice only if it was in flight at a kill."""
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    total = 150
    _fill(engine, total)
    may_repeat: set[str] = set()
    with FakePlatforms(latency_s=0.02) as fake, Service(tmp_path, engine, fake) as service:
        for _ in range(2):
            service.start()
            target = fake.count() + rng.randint(1, 30)
            _wait_until(lambda: fake.count() >= target)  # noqa: B023 - used at once
            signum = rng.choice([signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
            service.stop(signum)
            rows = _rows(engine).values()
            if signum == signal.SIGKILL:
                may_repeat |= {webhook for state, webhook in rows if state == "sending"}
            else:
                assert not any(state == "sending" for state, _ in rows), f"seed {seed}"
                sent = {webhook for state, webhook in rows if state == "sent"}
                may_repeat |= set(_received(fake)) - sent  # abandoned after the grace
        service.start()
        _wait_until(lambda: _states(engine)["sent"] == total, deadline_s=45)
        service.stop(signal.SIGTERM)
        received = _received(fake)
    assert set(received) == {webhook for _, webhook in _rows(engine).values()}, f"seed {seed}"
    doubled = {webhook for webhook, times in received.items() if times > 1}
    assert doubled <= may_repeat, f"seed {seed}"


def test_a_stop_that_abandons_sends_past_the_grace_is_quiet_and_releases_them(
    engine: Engine, tmp_path: Path
) -> None:
    """SIGTERM while every sender waits on a platform that takes 5 s to answer: the sends are
    abandoned after the grace (STOP_GRACE_S), their rows go back to pending, the process exits
    0, and the abandonment, part of a normal stop, is no error with a traceback in the log."""
    _fill(engine, 100)
    with FakePlatforms(latency_s=5.0) as fake, Service(tmp_path, engine, fake) as service:
        service.start()
        _wait_until(lambda: _states(engine)["sending"] >= DEFAULT_WORKERS)
        time.sleep(0.5)  # their requests reach the receiver, which sits on them for 5 s
        code, output = service.stop(signal.SIGTERM)
    assert code == 0, output
    assert "newsbot stopped" in output
    assert "Traceback" not in output
    assert " ERROR " not in output
    assert _states(engine) == {"pending": 100}
