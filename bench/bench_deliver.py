"""Delivery throughput: the outbox (a few workers, one shared client) against a one-by-one sender.

Both deliver N messages from a SQLite outbox to a local HTTP/1.1 receiver (another process,
no platform limits: the ``webhook`` channel, unsigned) and mark each row sent. Prints messages
per second for each, and checks the receiver got every message.

Usage::

    .venv/bin/python bench/bench_deliver.py            # 10,000 messages
    .venv/bin/python bench/bench_deliver.py --latency-ms 20     # a platform 20 ms away
    .venv/bin/python bench/bench_deliver.py --messages 2000 --workers 1 4 16
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, update
from sqlmodel import Session, SQLModel, col, select

from newsbot.channels import Channel, build_channel
from newsbot.channels.webhook import WebhookOptions
from newsbot.models import Message
from newsbot.outbox import Pacer, enqueue, message_from_json, send_due
from newsbot.store.db import make_engine
from newsbot.store.tables import DeliveryRow

# Without TCP_NODELAY, a client writing headers and body separately waits ~40 ms per request
# for the receiver's delayed ACK (Nagle); both senders get the same socket options.
NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


def receiver(port_out: Any, count: Any, latency_s: float) -> None:
    """A minimal keep-alive HTTP/1.1 server answering 200 "ok" to every POST after ``latency_s``."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                if latency_s:  # a platform's answer takes a network round trip or more
                    await asyncio.sleep(latency_s)
                with count.get_lock():
                    count.value += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        port_out.value = server.sockets[0].getsockname()[1]
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def fill(engine: Engine, total: int) -> None:
    """Reset the outbox to ``total`` pending messages."""
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    now = datetime.now(UTC)
    with Session(engine) as session:
        for n in range(total):
            message = Message(
                "webhook", "alert", f"第{n}条提醒", f'{{"n": {n}, "text": "义乌商报"}}'
            )
            enqueue(session, dedupe_key=f"k{n}", kind="alert", channel_id="hook",
                    subscriber_id=None, article_id=None, message=message, now=now)  # fmt: skip
        session.commit()


def sent_count(engine: Engine) -> int:
    """Rows marked sent."""
    with Session(engine) as session:
        return len(session.exec(select(DeliveryRow.id).where(DeliveryRow.state == "sent")).all())


async def outbox_run(engine: Engine, channel: Channel, total: int, workers: int) -> float:
    """Seconds for send_due to deliver everything with ``workers`` workers, one client."""
    started = time.perf_counter()
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    transport = httpx.AsyncHTTPTransport(limits=limits, socket_options=NODELAY)
    async with httpx.AsyncClient(trust_env=False, transport=transport) as client:
        await send_due(engine, {"hook": channel}, client=client, now=lambda: datetime.now(UTC),
                       worker_id="bench", limit=total, workers=workers, pacer=Pacer())  # fmt: skip
    return time.perf_counter() - started


def blocking_run(engine: Engine, channel: Channel) -> float:
    """Seconds for a one-by-one sender: read a row, POST it, wait, mark it sent, next."""
    started = time.perf_counter()
    transport = httpx.HTTPTransport(socket_options=NODELAY)
    with httpx.Client(trust_env=False, transport=transport) as client, Session(engine) as session:
        # Plain tuples: ORM objects would all be expired (and reloaded) at every commit.
        rows = session.exec(
            select(DeliveryRow.id, DeliveryRow.message_json).order_by(col(DeliveryRow.id))
        ).all()
        for row_id, message_json in rows:
            message = message_from_json(message_json)
            request = channel.build_request(message, now=datetime.now(UTC))
            channel.check_response(client.send(request))
            session.execute(
                update(DeliveryRow).where(col(DeliveryRow.id) == row_id).values(state="sent")
            )
            session.commit()
    return time.perf_counter() - started


def main() -> None:
    """Run both senders against the same receiver and print a small table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[4, 16])
    parser.add_argument("--latency-ms", type=float, default=0.0, help="receiver delay per answer")
    args = parser.parse_args()
    port, count = multiprocessing.Value("i", 0), multiprocessing.Value("l", 0)
    server = multiprocessing.Process(
        target=receiver, args=(port, count, args.latency_ms / 1000), daemon=True
    )
    server.start()
    while not port.value:
        time.sleep(0.01)
    url = f"http://127.0.0.1:{port.value}/hook"
    channel = build_channel(WebhookOptions(id="hook", url=url))
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        results = []
        for workers in args.workers:
            fill(engine, args.messages)
            before = count.value
            seconds = asyncio.run(outbox_run(engine, channel, args.messages, workers))
            assert sent_count(engine) == args.messages
            assert count.value - before == args.messages
            results.append((f"outbox send_due, {workers} workers", seconds))
        fill(engine, args.messages)
        before = count.value
        seconds = blocking_run(engine, channel)
        assert sent_count(engine) == args.messages
        assert count.value - before == args.messages
        results.append(("one-by-one blocking sender", seconds))
        engine.dispose()
    server.terminate()
    print(
        f"{args.messages} messages to a local receiver answering in {args.latency_ms:g} ms "
        "(SQLite outbox, rows marked sent)"
    )
    for name, seconds in results:
        print(f"  {name:<34} {seconds:7.2f} s  {args.messages / seconds:8.0f} msg/s")


if __name__ == "__main__":
    main()
