"""Delivery throughput: the outbox beside its anchors, in one run, on one local receiver.

Senders, each delivering N messages to the same local HTTP/1.1 receiver (another process, no
platform limits: the ``webhook`` channel, unsigned); the receiver's count is checked each time:

- the outbox (``send_due``, SQLite, every row marked sent) with each ``--workers`` count, over
  the delivery client's transport (:mod:`newsbot._http1`), and again at the largest count over
  httpx's default transport (httpcore: what the outbox used before);
- Apprise's ``json://`` notifier, one ``notify()`` per message (the ``bench`` extra installs it);
- a bare ``httpx.AsyncClient``, 4 tasks, no database, over each transport: the most the
  outbox's sending side can reach; then over cleartext HTTP/2 to an ``h2`` receiver (the
  ``bench`` extra too);
- a plain httpx keep-alive loop: one ``httpx.Client``, one POST after another, no database;
- a one-by-one blocking sender: read a row, POST it, mark it sent, next.

Usage::

    .venv/bin/python bench/bench_deliver.py                      # 2,000 messages
    .venv/bin/python bench/bench_deliver.py --latency-ms 20      # a platform 20 ms away
    .venv/bin/python bench/bench_deliver.py --messages 2000 --workers 1 4 16
    .venv/bin/python bench/bench_deliver.py --profile --workers 16   # cProfile of the outbox
    .venv/bin/python bench/bench_deliver.py --profile --workers 16 --httpcore   # ... before
    .venv/bin/python bench/bench_deliver.py --rounds 3 --workers 4 16   # both transports, interleaved
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, update
from sqlmodel import Session, SQLModel, col, select

from newsbot._http1 import Http1Transport
from newsbot.channels import Channel, build_channel
from newsbot.channels.webhook import WebhookOptions
from newsbot.models import Message
from newsbot.outbox import Pacer, Pacing, enqueue, message_from_json, send_due
from newsbot.pacing import SharedPacer
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


def h2_receiver(port_out: Any, count: Any, latency_s: float) -> None:
    """The same receiver over cleartext HTTP/2 (prior knowledge), with the ``h2`` package."""
    import h2.config
    import h2.connection
    import h2.events

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        config = h2.config.H2Configuration(client_side=False)
        connection = h2.connection.H2Connection(config=config)
        connection.initiate_connection()
        writer.write(connection.data_to_send())
        while data := await reader.read(65536):
            for event in connection.receive_data(data):
                if isinstance(event, h2.events.DataReceived):
                    size = event.flow_controlled_length
                    connection.acknowledge_received_data(size, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    if latency_s:
                        await asyncio.sleep(latency_s)
                    with count.get_lock():
                        count.value += 1
                    headers = [(":status", "200"), ("content-length", "2")]
                    connection.send_headers(event.stream_id, headers)
                    connection.send_data(event.stream_id, b"ok", end_stream=True)
            writer.write(connection.data_to_send())
            await writer.drain()
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        port_out.value = server.sockets[0].getsockname()[1]
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def start_receiver(
    serve: Callable[[Any, Any, float], None], latency_s: float
) -> tuple[multiprocessing.Process, str, Any]:
    """``serve`` (``receiver`` or ``h2_receiver``) in another process, once it listens:
    the process, its URL and its shared count of messages received."""
    port, count = multiprocessing.Value("i", 0), multiprocessing.Value("l", 0)
    server = multiprocessing.Process(target=serve, args=(port, count, latency_s), daemon=True)
    server.start()
    while not port.value:
        time.sleep(0.01)
    return server, f"http://127.0.0.1:{port.value}/hook", count


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


def apprise_run(url: str, total: int) -> float | None:
    """Seconds for Apprise's json:// notifier to post ``total`` messages; None if not installed."""
    try:
        import apprise
    except ImportError:
        return None
    notifier = apprise.Apprise()
    notifier.add(url.replace("http://", "json://"))
    started = time.perf_counter()
    for n in range(total):
        if not notifier.notify(body=f'{{"n": {n}, "text": "义乌商报"}}', title=f"第{n}条提醒"):
            raise RuntimeError(f"apprise failed at message {n}")
    return time.perf_counter() - started


def httpx_loop_run(channel: Channel, total: int) -> float:
    """Seconds for a plain keep-alive loop: one client, one POST after another, no bookkeeping."""
    transport = httpx.HTTPTransport(socket_options=NODELAY)
    message = Message("webhook", "alert", "第0条提醒", '{"n": 0, "text": "义乌商报"}')
    request = channel.build_request(message, now=datetime.now(UTC))
    started = time.perf_counter()
    with httpx.Client(trust_env=False, transport=transport) as client:
        for _ in range(total):
            client.post(request.url, content=request.content, headers=request.headers)
    return time.perf_counter() - started


async def async_httpx_run(
    channel: Channel,
    total: int,
    tasks: int,
    *,
    url: str | None = None,
    http2: bool = False,
    httpcore: bool = True,
) -> float:
    """Seconds for ``tasks`` coroutines sharing one AsyncClient to post ``total`` messages, no
    database: the most the outbox's sending side can reach with the same client. ``http2``
    speaks cleartext HTTP/2 to ``url`` (the h2 receiver); without ``httpcore``, the delivery
    client's transport."""
    if http2:
        limits = httpx.Limits(max_connections=tasks, max_keepalive_connections=tasks)
        transport: httpx.AsyncBaseTransport = httpx.AsyncHTTPTransport(
            limits=limits, socket_options=NODELAY, http1=False, http2=True
        )
    else:
        transport = _transport(httpcore, tasks)
    message = Message("webhook", "alert", "第0条提醒", '{"n": 0, "text": "义乌商报"}')
    request = channel.build_request(message, now=datetime.now(UTC))
    async with httpx.AsyncClient(trust_env=False, transport=transport) as client:

        async def lane(count: int) -> None:
            for _ in range(count):
                target = url or request.url
                await client.post(target, content=request.content, headers=request.headers)

        started = time.perf_counter()
        shares = [total // tasks + (1 if n < total % tasks else 0) for n in range(tasks)]
        await asyncio.gather(*(lane(share) for share in shares))
        return time.perf_counter() - started


async def outbox_run(
    engine: Engine,
    channel: Channel,
    total: int,
    workers: int,
    *,
    httpcore: bool = False,
    shared_pacer: bool = False,
) -> float:
    """Seconds for send_due to deliver everything with ``workers`` senders and one client:
    the delivery client's transport, or httpx's default (httpcore) with ``httpcore``; the
    in-memory pacer, or with ``shared_pacer`` the service's database-backed one."""
    started = time.perf_counter()
    transport = _transport(httpcore, workers)
    pacer: Pacing = SharedPacer(engine) if shared_pacer else Pacer()
    async with httpx.AsyncClient(trust_env=False, transport=transport) as client:
        await send_due(engine, {"hook": channel}, client=client, now=lambda: datetime.now(UTC),
                       worker_id="bench", limit=total, workers=workers, pacer=pacer)  # fmt: skip
    return time.perf_counter() - started


def _transport(httpcore: bool, connections: int) -> httpx.AsyncBaseTransport:
    if not httpcore:
        return Http1Transport()  # what newsbot's delivery client uses
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncHTTPTransport(limits=limits, socket_options=NODELAY)


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
    """Run every sender against the same receiver and print a small table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--latency-ms", type=float, default=0.0, help="receiver delay per answer")
    parser.add_argument("--profile", action="store_true", help="cProfile the outbox")
    parser.add_argument("--httpcore", action="store_true", help="profile over httpx's default")
    parser.add_argument("--rounds", type=int, default=0, help="only both transports, N rounds")
    args = parser.parse_args()
    server, url, count = start_receiver(receiver, args.latency_ms / 1000)
    channel = build_channel(WebhookOptions(id="hook", url=url))
    total = args.messages
    results: list[tuple[str, float]] = []

    def measure(name: str, run: Callable[[], float | None], *, own_receiver: bool = False) -> None:
        before = count.value
        seconds = run()
        if seconds is None:
            print(f"  ({name}: not installed; pip install -e '.[bench]')")
            return
        received = total if own_receiver else count.value - before  # it checks its own
        assert received == total, f"{name}: {received} of {total}"
        results.append((name, seconds))

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        if args.profile or args.rounds:
            one_study(engine, channel, args, count)
            return
        outbox_lines(engine, channel, total, args.workers, measure)
        measure(
            "AsyncClient, 4 tasks, no db, http1",
            lambda: asyncio.run(async_httpx_run(channel, total, 4, httpcore=False)),
        )
        measure(
            "AsyncClient, 4 tasks, no db, httpcore",
            lambda: asyncio.run(async_httpx_run(channel, total, 4)),
        )
        measure(
            "httpx AsyncClient, HTTP/2, 4 tasks",
            lambda: http2_run(channel, total, args),
            own_receiver=True,
        )
        measure("apprise json://", lambda: apprise_run(url, total))
        measure("plain httpx keep-alive loop", lambda: httpx_loop_run(channel, total))
        fill(engine, total)
        measure("one-by-one blocking sender", lambda: blocking_run(engine, channel))
        assert sent_count(engine) == total
        engine.dispose()
    server.terminate()
    report(results, total, args.latency_ms)


Measure = Callable[[str, Callable[[], float | None]], None]


def outbox_lines(
    engine: Engine, channel: Channel, total: int, counts: list[int], measure: Measure
) -> None:
    """The outbox at each worker count, then the largest over httpcore, then the largest to
    a paced endpoint (the service's database-kept pace budget taken for every send)."""
    for workers in counts:
        fill(engine, total)
        measure(
            f"outbox send_due, {workers} workers",
            lambda w=workers: asyncio.run(outbox_run(engine, channel, total, w)),  # type: ignore[misc]
        )
        assert sent_count(engine) == total
    most = max(counts)
    fill(engine, total)
    measure(
        f"outbox, {most} workers, httpcore",
        lambda: asyncio.run(outbox_run(engine, channel, total, most, httpcore=True)),
    )
    assert sent_count(engine) == total
    # A declared limit far above what is reached (1,000,000 a minute): only the cost of
    # taking each send's slot from the shared budget shows.
    options = WebhookOptions(id="hook", url=channel.endpoint(), max_per_minute=1_000_000)
    fill(engine, total)
    measure(
        f"outbox, {most} workers, paced endpoint",
        lambda: asyncio.run(
            outbox_run(engine, build_channel(options), total, most, shared_pacer=True)
        ),
    )
    assert sent_count(engine) == total


def http2_run(channel: Channel, total: int, args: argparse.Namespace) -> float | None:
    """The AsyncClient line again over HTTP/2 to an h2 receiver; None without the h2 package."""
    try:
        import h2  # noqa: F401 - only asks whether it is installed
    except ImportError:
        return None
    server, url, count = start_receiver(h2_receiver, args.latency_ms / 1000)
    seconds = asyncio.run(async_httpx_run(channel, total, 4, url=url, http2=True))
    assert count.value == total, f"HTTP/2: {count.value} of {total}"
    server.terminate()
    return seconds


def report(results: list[tuple[str, float]], total: int, latency_ms: float) -> None:
    """The table: seconds, messages per second, and each rate as a multiple of Apprise's."""
    print(
        f"{total} messages to a local receiver answering in {latency_ms:g} ms "
        f"(outbox on SQLite, every row marked sent; {os.cpu_count()} CPUs)"
    )
    anchor = dict(results).get("apprise json://")
    for name, seconds in results:
        ratio = f"  {anchor / seconds:5.2f}x apprise" if anchor else ""
        print(f"  {name:<36} {seconds:7.2f} s  {total / seconds:8.0f} msg/s{ratio}")


def one_study(engine: Engine, channel: Channel, args: argparse.Namespace, count: Any) -> None:
    """``--profile`` (of one worker count, 4 unless one is given) or ``--rounds``."""
    total = args.messages
    if args.profile:
        fill(engine, total)
        workers = args.workers[0] if len(args.workers) == 1 else 4
        profile(engine, channel, total, workers, httpcore=args.httpcore)
    else:
        interleaved(engine, channel, args, count)


def interleaved(engine: Engine, channel: Channel, args: argparse.Namespace, count: Any) -> None:
    """The outbox at each worker count over each transport, in turn, ``--rounds`` times (a
    busy machine swings single runs by tens of percent); every rate, then the medians."""
    import statistics

    rates: dict[str, list[float]] = {}
    total, rounds = args.messages, args.rounds
    for _ in range(rounds):
        for workers in args.workers:
            for httpcore in (False, True):
                fill(engine, total)
                before = count.value
                run = outbox_run(engine, channel, total, workers, httpcore=httpcore)
                seconds = asyncio.run(run)
                assert count.value - before == total
                assert sent_count(engine) == total
                name = f"{workers} workers, {'httpcore' if httpcore else 'http1'}"
                rates.setdefault(name, []).append(total / seconds)
    print(f"{total} messages, {rounds} interleaved rounds; msg/s per round, median")
    for name, values in rates.items():
        each = ", ".join(f"{rate:.0f}" for rate in values)
        print(f"  {name:<22} {each:<28} median {statistics.median(values):6.0f}")


def profile(engine: Engine, channel: Channel, total: int, workers: int, *, httpcore: bool) -> None:
    """Where the outbox spends its time: the event loop thread, then the database thread's
    round trips (outcomes + next claim), each profiled on its own."""
    import cProfile
    import pstats

    from newsbot import outbox

    round_trips = cProfile.Profile()
    timed = [0.0, 0]
    settle_and_claim = outbox._Run._settle_and_claim

    def profiled(run: Any, outcomes: Any, want: int) -> Any:
        started = time.perf_counter()
        round_trips.enable()
        try:
            return settle_and_claim(run, outcomes, want)
        finally:
            round_trips.disable()
            timed[0] += time.perf_counter() - started
            timed[1] += 1

    outbox._Run._settle_and_claim = profiled  # type: ignore[method-assign]
    loop_thread = cProfile.Profile()
    loop_thread.enable()
    seconds = asyncio.run(outbox_run(engine, channel, total, workers, httpcore=httpcore))
    loop_thread.disable()
    outbox._Run._settle_and_claim = settle_and_claim  # type: ignore[method-assign]
    over = "httpcore" if httpcore else "http1"
    print(
        f"outbox, {workers} workers, {over}: {total / seconds:.0f} msg/s profiled, {seconds:.2f} s"
    )
    print(f"event loop thread CPU: {pstats.Stats(loop_thread).total_tt:.2f} s")
    print("event loop thread:")
    pstats.Stats(loop_thread).sort_stats("tottime").print_stats(15)
    mean_ms = 1000 * timed[0] / max(1, int(timed[1]))
    print(f"database thread: {timed[1]} round trips, {timed[0]:.2f} s, {mean_ms:.2f} ms each")
    pstats.Stats(round_trips).sort_stats("tottime").print_stats(10)


if __name__ == "__main__":
    main()
