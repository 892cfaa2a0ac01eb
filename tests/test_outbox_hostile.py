"""The outbox over its HTTP/1.1 transport against hostile endpoints on 127.0.0.1.

Each endpoint here misbehaves on purpose (never answers, answers a byte at a time, resets
the connection mid-answer, streams an endless answer, throttles with absurd Retry-After
values, closes its keep-alive connections): whatever it does, every row of a ``send_due``
run ends sent, failed or dead (never left "sending"), the call returns, and the error
stored is one short line without the channel's secret. Real parts: real sockets, a real
SQLite file and the real PostgreSQL server (the ``engine`` fixture).
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from tests.raw_http import read_request

from newsbot._http import make_delivery_client
from newsbot.channels import build_channel
from newsbot.channels.webhook import WebhookOptions
from newsbot.models import Message
from newsbot.outbox import NewDelivery, OutboxReport, Pacer, enqueue_many, send_due
from newsbot.store.tables import DeliveryRow

SECRET_KEY = "K3Y-0f-th3-h00k-do-not-store"
# A guard against a hung run only (a hang is the failure); never a speed claim.
HANG_GUARD_S = 60.0

# What a hostile connection does after reading request number ``n`` (from 0) on it: it owns
# the socket and returns False to end the connection.
Behaviour = Callable[[socket.socket, int], bool]


class HostileServer:
    """A TCP server on 127.0.0.1 that reads each HTTP request whole, then lets ``behave``
    do what it likes with the socket; it counts connections and requests."""

    def __init__(self, behave: Behaviour) -> None:
        self.behave = behave
        self.connections = 0
        self.requests = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook?key={SECRET_KEY}"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.sock.close()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        buffer, n = b"", 0
        with conn, suppress(OSError):
            while not self.stopping.is_set():
                request = read_request(conn, buffer)
                if request is None:
                    return
                buffer = request[1]
                with self._lock:
                    self.requests += 1
                if not self.behave(conn, n):
                    return
                n += 1


def _ok(body: bytes = b'{"ok": true}') -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def _answer_ok(conn: socket.socket, n: int) -> bool:
    conn.sendall(_ok())
    return True


def _reset(conn: socket.socket) -> None:
    """Close with a TCP RST (SO_LINGER 0), not a FIN."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def _fill(engine: Engine, count: int) -> None:
    """Queue ``count`` more messages to the channel "hook" (keys after those already queued)."""
    with Session(engine) as session:
        start = len(session.exec(select(DeliveryRow.id)).all())
    now = datetime.now(UTC)
    message = Message("webhook", "alert", "标题", '{"n": 1}')
    deliveries = [
        NewDelivery(f"k{start + n}", "alert", "hook", None, None, message) for n in range(count)
    ]
    with Session(engine) as session:
        enqueue_many(session, deliveries, now=now)
        session.commit()


def _rows(engine: Engine) -> list[DeliveryRow]:
    with Session(engine) as session:
        return list(session.exec(select(DeliveryRow)).all())


async def _send_due(
    engine: Engine,
    url: str,
    *,
    timeout_s: float,
    max_per_minute: float | None = None,
    **kwargs: object,
) -> OutboxReport:
    channel = build_channel(WebhookOptions(id="hook", url=url, max_per_minute=max_per_minute))
    async with make_delivery_client(timeout_s=timeout_s) as client:
        options = {"worker_id": "w", "workers": 16, "pacer": Pacer(), **kwargs}
        run = send_due(
            engine,
            {"hook": channel},
            client=client,
            now=lambda: datetime.now(UTC),
            **options,  # type: ignore[arg-type]
        )
        return await asyncio.wait_for(run, HANG_GUARD_S)


# The hostile behaviours ---------------------------------------------------------------------


def _silent(server: HostileServer) -> Behaviour:
    """Takes the request and never answers (nor closes)."""

    def behave(conn: socket.socket, n: int) -> bool:
        server.stopping.wait()
        return False

    return behave


def _slowloris(server: HostileServer) -> Behaviour:
    """Answers a valid 200, one byte every 20 ms: each byte resets no clock of ours."""

    def behave(conn: socket.socket, n: int) -> bool:
        for byte in _ok(b"x" * 200):
            if server.stopping.wait(0.02):
                return False
            conn.sendall(bytes([byte]))
        return True

    return behave


def _reset_mid_answer(server: HostileServer) -> Behaviour:
    def behave(conn: socket.socket, n: int) -> bool:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf")
        time.sleep(0.01)
        _reset(conn)
        return False

    return behave


def _endless_chunks(server: HostileServer) -> Behaviour:
    """A chunked answer that never ends, as fast as the socket takes it."""

    def behave(conn: socket.socket, n: int) -> bool:
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"4000\r\n" + b"z" * 0x4000 + b"\r\n"
        while not server.stopping.is_set():
            conn.sendall(chunk)
        return False

    return behave


def _endless_close_framed(server: HostileServer) -> Behaviour:
    """An answer framed by the connection's end that never ends."""

    def behave(conn: socket.socket, n: int) -> bool:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
        block = b"y" * 65536
        while not server.stopping.is_set():
            conn.sendall(block)
        return False

    return behave


def _retry_after(value: bytes) -> Callable[[HostileServer], Behaviour]:
    def make(server: HostileServer) -> Behaviour:
        def behave(conn: socket.socket, n: int) -> bool:
            body = b"slow down"
            conn.sendall(
                b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: %s\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (value, len(body), body)
            )
            return True

        return behave

    return make


@pytest.mark.parametrize(
    "hostile",
    [
        _silent,
        _slowloris,
        _reset_mid_answer,
        _endless_chunks,
        _endless_close_framed,
        _retry_after(b"120"),
        _retry_after(b"1e300"),  # no datetime holds this; it once killed the sender silently
        _retry_after(b"99999999999999"),
    ],
    ids=[
        "silent", "slowloris", "reset-mid-answer", "endless-chunked", "endless-close-framed",
        "retry-after-120", "retry-after-1e300", "retry-after-3-million-years",
    ],
)  # fmt: skip
def test_a_hostile_endpoint_leaves_no_row_sending_and_stores_a_short_redacted_error(
    engine: Engine, hostile: Callable[[HostileServer], Behaviour]
) -> None:
    total = 24  # more rows than senders: the run claims again after the first outcomes
    _fill(engine, total)
    server = HostileServer(lambda conn, n: False)
    server.behave = hostile(server)
    with server:
        report = asyncio.run(_send_due(engine, server.url, timeout_s=0.5))
    rows = _rows(engine)
    states = Counter(row.state for row in rows)
    assert states["sending"] == 0
    # Every row was tried once and failed (or, throttled, was deferred without an attempt).
    assert states["failed"] + states["pending"] == total, states
    assert report.failed == states["failed"] > 0
    for row in rows:
        if row.state == "failed":
            assert row.attempts == 1
            assert row.last_error
            assert len(row.last_error) <= 300
            assert SECRET_KEY not in row.last_error
            assert row.next_attempt_at.replace(tzinfo=UTC).year < 9999


# Keep-alive connections the server ends -----------------------------------------------------


def _close_after(every: int, *, announce: bool) -> Behaviour:
    """Answer OK; end the connection after every ``every``-th answer on it, saying so in a
    ``Connection: close`` header or (``announce`` False, as many servers do at their keep-alive
    limit) without a word: the FIN comes just after the answer."""

    def behave(conn: socket.socket, n: int) -> bool:
        last = (n + 1) % every == 0
        extra = b"Connection: close\r\n" if last and announce else b""
        conn.sendall(b"HTTP/1.1 200 OK\r\n%sContent-Length: 2\r\n\r\nok" % extra)
        if last:
            time.sleep(0.005)  # the end follows the answer a moment later, as over a network
            conn.shutdown(socket.SHUT_WR)
            return False
        return True

    return behave


@pytest.mark.parametrize("announce", [True, False], ids=["connection-close", "silent-close"])
def test_a_server_ending_keep_alive_connections_every_few_requests_loses_no_send(
    engine: Engine, announce: bool
) -> None:
    total = 400
    _fill(engine, total)
    with HostileServer(_close_after(3, announce=announce)) as server:
        report = asyncio.run(_send_due(engine, server.url, timeout_s=5, limit=total))
    states = Counter(row.state for row in _rows(engine))
    assert states == {"sent": total}, {row.last_error for row in _rows(engine)}
    assert report.sent == total
    assert server.requests == total  # each message once: none sent twice


def test_the_next_runs_first_sends_survive_connections_the_server_ended_while_idle(
    engine: Engine,
) -> None:
    """The service keeps one client between runs minutes apart; the platform ended its idle
    keep-alive connections meanwhile, here just as the next run's requests arrive (its
    idle timer and our request cross). The second run still sends every row at once."""
    last_answer: dict[socket.socket, float] = {}
    answered = Counter[int]()

    def behave(conn: socket.socket, n: int) -> bool:
        if n and time.monotonic() - last_answer[conn] > 0.2:
            return False  # idle too long: closed as the request came in, never answered
        conn.sendall(_ok())
        last_answer[conn] = time.monotonic()
        answered[n] += 1
        return True

    async def two_runs(url: str) -> list[OutboxReport]:
        channel = build_channel(WebhookOptions(id="hook", url=url))
        reports = []
        async with make_delivery_client(timeout_s=5) as client:
            for _ in range(2):
                _fill(engine, 16)
                run = send_due(
                    engine,
                    {"hook": channel},
                    client=client,
                    now=lambda: datetime.now(UTC),
                    worker_id="w",
                    pacer=Pacer(),
                )
                reports.append(await asyncio.wait_for(run, HANG_GUARD_S))
                await asyncio.sleep(0.4)  # "minutes" between runs, for this server
        return reports

    with HostileServer(behave) as server:
        reports = asyncio.run(two_runs(server.url))
    assert [r.sent for r in reports] == [16, 16]
    assert Counter(row.state for row in _rows(engine)) == {"sent": 32}
    assert sum(answered.values()) == 32  # each message answered once


def test_a_tls_endpoint_that_never_finishes_its_handshake_is_a_connect_timeout(
    engine: Engine,
) -> None:
    """An https endpoint that takes the connection and never answers the TLS hello: the
    connect timeout covers the handshake, and the row is failed, to be retried."""
    _fill(engine, 3)
    with HostileServer(lambda conn, n: False) as server:  # reads the hello; never answers
        url = server.url.replace("http://", "https://")
        report = asyncio.run(_send_due(engine, url, timeout_s=0.5))
    rows = _rows(engine)
    assert report.failed == 3
    assert {row.state for row in rows} == {"failed"}
    for row in rows:
        assert row.last_error is not None
        assert "timed out" in row.last_error
        assert SECRET_KEY not in row.last_error


def test_a_silent_endpoint_does_not_hold_every_sender_while_other_channels_wait(
    engine: Engine,
) -> None:
    """One platform takes connections and never answers; 64 of its messages are due before 8
    of a healthy one. Its first wave times out (one try per sender); its other rows are then
    deferred untried (the endpoint is held) instead of taking every sender for a timeout
    each, wave after wave, while the healthy channel's messages wait behind them."""
    silent_total, healthy_total = 64, 8
    _fill(engine, silent_total)
    with Session(engine) as session:
        later = datetime.now(UTC)
        message = Message("webhook", "alert", "标题", '{"n": 2}')
        enqueue_many(
            session,
            [NewDelivery(f"ok{n}", "alert", "ok", None, None, message) for n in range(8)],
            now=later,
        )
        session.commit()
    with HostileServer(lambda conn, n: False) as silent, HostileServer(_answer_ok) as healthy:
        silent.behave = _silent(silent)
        channels = {
            "hook": build_channel(WebhookOptions(id="hook", url=silent.url)),
            "ok": build_channel(WebhookOptions(id="ok", url=healthy.url)),
        }

        async def run() -> OutboxReport:
            async with make_delivery_client(timeout_s=0.5) as client:
                due = send_due(
                    engine, channels, client=client, now=lambda: datetime.now(UTC),
                    worker_id="w", workers=16, pacer=Pacer(),
                )  # fmt: skip
                return await asyncio.wait_for(due, HANG_GUARD_S)

        report = asyncio.run(run())
        rows = _rows(engine)
        tried = [row for row in rows if row.channel_id == "hook" and row.attempts]
        # The server counts a request once its thread has read it: on a loaded machine that
        # can come after the client's 0.5 s timeout, so give its threads a moment.
        give_up = time.monotonic() + 10
        while silent.requests < len(tried) and time.monotonic() < give_up:
            time.sleep(0.01)
    assert Counter(row.state for row in rows if row.channel_id == "ok") == {"sent": healthy_total}
    assert report.sent == healthy_total
    assert len(tried) <= 16  # one wave of timeouts, not one per row
    assert {row.state for row in rows if row.channel_id == "hook"} <= {"failed", "pending"}
    assert silent.requests == len(tried)
