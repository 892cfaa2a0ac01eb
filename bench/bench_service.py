"""The service draining its outbox: `newsbot run` sending N queued messages, as deployed.

N alerts are queued in a fresh SQLite file, then a real `newsbot run` process starts with a
config of one unsigned `webhook` channel pointing at bench_deliver's local receiver (another
process, answering after ``--latency-ms``). Timed: from the first message the receiver counts
to the last (the process's start-up is not in it), and the rows are checked all sent. This
is the outbox as the scheduler runs it: its job, its claim limit per run, its pacer.

Usage::

    .venv/bin/python bench/bench_service.py                       # 10,000 messages, 0 ms
    .venv/bin/python bench/bench_service.py --messages 5000 --latency-ms 20
    PYTHONPATH=/tmp/other/src .venv/bin/python bench/bench_service.py   # another checkout's code
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench_deliver import receiver, start_receiver
from sqlmodel import Session, func, select

from newsbot.models import Message
from newsbot.outbox import NewDelivery, enqueue_many
from newsbot.store.db import make_engine
from newsbot.store.schema import upgrade
from newsbot.store.tables import DeliveryRow

CONFIG = """\
sources: [{{id: drop, kind: pagetext, folder: drop}}]
channels: [{{id: hook, kind: webhook, url: "{url}"}}]
subscribers: [{{id: a, channels: [hook], rules: [{{id: r, match: 反诈}}]}}]
"""


def main() -> None:
    """Queue, start `newsbot run`, time the drain, stop it; print one line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    (folder / "drop").mkdir()
    engine = make_engine(f"sqlite:///{folder / 'n.db'}")
    upgrade(engine)
    queued = [
        NewDelivery(
            f"k{n}", "alert", "hook", "a", None, Message("webhook", "alert", f"第{n}条", "{}")
        )
        for n in range(args.messages)
    ]
    with Session(engine) as session:
        enqueue_many(session, queued, now=datetime.now(UTC))
        session.commit()
    server, url, count = start_receiver(receiver, args.latency_ms / 1000)
    config = folder / "newsbot.yaml"
    config.write_text(CONFIG.format(url=url), "utf-8")
    env = {**os.environ, "NEWSBOT_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    command = [sys.executable, "-m", "newsbot", "--config", str(config), "run"]
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while count.value == 0:
            if process.poll() is not None or time.monotonic() - started > 120:
                raise SystemExit("newsbot run sent nothing: run it by hand with this config")
            time.sleep(0.001)
        first = time.monotonic()
        while count.value < args.messages:
            if time.monotonic() - first > 900:
                raise SystemExit(f"only {count.value} of {args.messages} after 900 s")
            time.sleep(0.005)
        seconds = time.monotonic() - first
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        server.terminate()
    with Session(engine) as session:
        sent = session.exec(select(func.count()).where(DeliveryRow.state == "sent")).one()
    assert sent == args.messages, f"{sent} of {args.messages} rows marked sent"
    print(
        f"newsbot run drained {args.messages} messages in {seconds:.2f} s: "
        f"{args.messages / seconds:.0f} msg/s (receiver {args.latency_ms:g} ms away, "
        f"{os.cpu_count()} CPUs, every row marked sent)"
    )


if __name__ == "__main__":
    main()
