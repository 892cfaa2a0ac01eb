"""The long kill-and-stop loop: `newsbot run` killed (SIGKILL) or stopped (SIGTERM, SIGINT) at
random points while its outbox is busy, then restarted, many times; then run to the end.

Checks what the short loop in tests/service/test_stop_under_load.py checks (nothing lost; a
message arrives twice only if it was in flight at a kill or abandoned at a stop) and prints how
long each stop took and how long a restart took to send its first message.

Usage::

    .venv/bin/python bench/bench_kill_loop.py                 # 20 rounds, 2,000 messages
    .venv/bin/python bench/bench_kill_loop.py --rounds 50 --seed 7
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from newsbot.channels.webhook import message_id
from newsbot.models import Message
from newsbot.outbox import NewDelivery, enqueue_many, message_from_json
from newsbot.store.db import make_engine
from newsbot.store.schema import upgrade
from newsbot.store.tables import DeliveryRow
from newsbot.testing.platforms import WHSEC, FakePlatforms

CONFIG = """\
sources: [{{id: drop, kind: pagetext, folder: drop}}]
channels: [{{id: hook, kind: webhook, url: "{url}", secret: {{$env: NEWSBOT_TEST_WHSEC}}}}]
subscribers: [{{id: a, channels: [hook], rules: [{{id: r, match: 反诈}}]}}]
"""


def rows(engine: Engine) -> list[tuple[str, str]]:
    """(state, webhook id) of every delivery."""
    with Session(engine) as session:
        found = session.exec(select(DeliveryRow.state, DeliveryRow.message_json)).all()
    return [(state, message_id(message_from_json(text))) for state, text in found]


def wait_until(condition: Callable[[], bool], deadline_s: float = 120.0) -> float:
    """Seconds until ``condition`` held."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > deadline_s:
            raise SystemExit("condition not reached: is newsbot run stuck?")
        time.sleep(0.01)
    return time.monotonic() - started


def main() -> None:  # noqa: PLR0915 - one loop, read top to bottom
    """Kill, stop and restart `newsbot run` at random points; print what it cost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--messages", type=int, default=2_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=random.randrange(2**32))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp())
    (folder / "drop").mkdir()
    engine = make_engine(f"sqlite:///{folder / 'n.db'}")
    upgrade(engine)
    message = lambda n: Message("webhook", "alert", f"第{n}条", "{}")  # noqa: E731
    queued = [
        NewDelivery(f"k{n}", "alert", "hook", "a", None, message(n)) for n in range(args.messages)
    ]
    with Session(engine) as session:
        enqueue_many(session, queued, now=datetime.now(UTC))
        session.commit()
    env = {
        **os.environ,
        "NEWSBOT_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "NEWSBOT_TEST_WHSEC": WHSEC,
    }
    stops: dict[str, list[float]] = {"SIGKILL": [], "SIGTERM": [], "SIGINT": []}
    firsts: list[float] = []
    may_repeat: set[str] = set()
    with FakePlatforms(latency_s=args.latency_ms / 1000) as fake:
        config = folder / "newsbot.yaml"
        config.write_text(CONFIG.format(url=f"{fake.base_url}/webhook/hooks/newsbot"), "utf-8")
        command = [sys.executable, "-m", "newsbot", "--config", str(config), "run"]

        def start() -> subprocess.Popen[bytes]:
            before = fake.count()
            process = subprocess.Popen(
                command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            firsts.append(wait_until(lambda: fake.count() > before))
            return process

        for _ in range(args.rounds):
            process = start()
            target = fake.count() + rng.randint(1, 60)
            wait_until(lambda: fake.count() >= target)  # noqa: B023 - used at once
            signum = rng.choice([signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
            started = time.monotonic()
            process.send_signal(signum)
            process.wait(timeout=60)
            stops[signum.name].append(time.monotonic() - started)
            now = rows(engine)
            if signum == signal.SIGKILL:
                may_repeat |= {w for state, w in now if state == "sending"}
            else:
                assert not any(state == "sending" for state, _ in now), "a stop left rows claimed"
                sent = {w for state, w in now if state == "sent"}
                may_repeat |= {r.headers["webhook-id"] for r in fake.received} - sent
        process = start()
        wait_until(lambda: all(state == "sent" for state, _ in rows(engine)), deadline_s=600)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        received = Counter(r.headers["webhook-id"] for r in fake.received)
    assert set(received) == {w for _, w in rows(engine)}, "a message was lost"
    doubled = {w for w, times in received.items() if times > 1}
    assert doubled <= may_repeat, "a message not in flight arrived twice"
    print(
        f"{args.rounds} rounds, {args.messages} messages, receiver {args.latency_ms:g} ms away, seed {args.seed}"
    )
    print(f"  nothing lost; {len(doubled)} sent twice, all in flight at a kill or abandoned stop")
    for name, seconds in stops.items():
        if seconds:
            print(
                f"  {name:<7} x{len(seconds):<3} exit after {max(seconds):5.2f} s at most, {sum(seconds) / len(seconds):5.2f} s mean"
            )
    print(
        f"  restart to first message: {max(firsts):5.2f} s at most, {sum(firsts) / len(firsts):5.2f} s mean"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
