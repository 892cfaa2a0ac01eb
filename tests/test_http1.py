"""The outbox's HTTP/1.1 transport (newsbot._http1) against real sockets on 127.0.0.1.

A scripted server answers each request with bytes of the test's choosing (framings, broken
answers, closed connections); a real TLS server checks the https path; and the channels'
own look-alike platforms are reached through it as the outbox reaches them.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session, select
from tests.raw_http import read_request

from newsbot._http import delivery_error_from, make_delivery_client
from newsbot._http1 import MAX_BODY_BYTES, Http1Transport
from newsbot.channels import build_channel
from newsbot.channels.webhook import WebhookOptions
from newsbot.errors import TransientDeliveryError
from newsbot.models import Message
from newsbot.outbox import NewDelivery, OutboxReport, Pacer, enqueue_many, send_due
from newsbot.store.tables import DeliveryRow
from newsbot.testing._server import LocalServer

# What a scripted connection does with each request it reads: the bytes to answer, or None
# to close the connection without a word.
Answer = Callable[[bytes], bytes | None]


class ScriptedServer:
    """A TCP server on 127.0.0.1 answering each request with ``answer(request)``; it counts
    the connections it accepted and keeps every request it read."""

    def __init__(
        self,
        answer: Answer,
        *,
        close_after: bool = False,
        close_when: Callable[[bytes], bool] | None = None,
    ) -> None:
        self.answer = answer
        self.close_after = close_after  # end each connection after its first answer
        self.close_when = close_when  # or after the answer to a request it picks
        self.accepted: list[socket.socket] = []
        self.connections = 0
        self.requests: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hook?k=v"
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop = True
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self.accepted.append(conn)
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        buffer = b""
        # A client that gives up on a broken answer aborts: a reset here is the test going on.
        with conn, suppress(OSError):
            while True:
                read = read_request(conn, buffer)
                if read is None:
                    return
                request, buffer = read
                self.requests.append(request)
                reply = self.answer(request)
                if reply is None:
                    return
                conn.sendall(reply)
                if self.close_after or (self.close_when is not None and self.close_when(request)):
                    conn.shutdown(socket.SHUT_WR)
                    return

    def end_connections(self) -> None:
        """End every accepted connection from the server's side (a keep-alive timeout)."""
        for conn in self.accepted:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


def ok(body: bytes = b"ok", *extra: bytes) -> bytes:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n" % len(body)
    return head + b"".join(h + b"\r\n" for h in extra) + b"\r\n" + body


def post_all(url: str, bodies: list[bytes], **kwargs: object) -> list[httpx.Response]:
    """POST each body in turn through one client on the transport; the answers, read."""

    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=Http1Transport(**kwargs), timeout=5) as client:  # type: ignore[arg-type]
            return [await client.post(url, content=body) for body in bodies]

    return asyncio.run(run())


def test_one_connection_carries_every_request_and_the_request_arrives_whole() -> None:
    with ScriptedServer(lambda request: ok(b"got")) as server:
        answers = post_all(server.url, [b'{"n": %d}' % n for n in range(20)])
    assert [a.text for a in answers] == ["got"] * 20
    assert server.connections == 1  # kept alive and reused
    first = server.requests[0]
    assert first.startswith(b"POST /hook?k=v HTTP/1.1\r\n")
    assert b"\r\nContent-Length: 8\r\n" in first.replace(b"content-length", b"Content-Length")
    assert first.endswith(b'\r\n\r\n{"n": 0}')
    assert f"host: 127.0.0.1:{server.port}".encode() in first.lower()


def test_chunked_answers_with_extensions_and_trailers_are_joined() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'4;ext=1\r\n{"ok\r\n6\r\n": tru\r\n2\r\ne}\r\n0\r\nX-Trailer: 1\r\n\r\n'
    )
    with ScriptedServer(lambda request: chunked) as server:
        answers = post_all(server.url, [b"a", b"b"])
    assert [a.json() for a in answers] == [{"ok": True}, {"ok": True}]
    assert server.connections == 1


def test_an_answer_framed_by_the_close_is_read_to_the_end_and_not_reused() -> None:
    reply = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it"
    with ScriptedServer(lambda request: reply, close_after=True) as server:
        answers = post_all(server.url, [b"1", b"2", b"3"])
    assert [a.text for a in answers] == ["all of it"] * 3
    assert server.connections == 3


def test_connection_close_and_gzip_are_honoured() -> None:
    body = gzip.compress("义乌商报 ok".encode())
    reply = ok(body, b"Content-Encoding: gzip", b"Connection: close")
    with ScriptedServer(lambda request: reply) as server:
        answers = post_all(server.url, [b"1", b"2"])
    assert [a.text for a in answers] == ["义乌商报 ok"] * 2
    assert server.connections == 2  # "close" was obeyed: a new connection for the second


def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    async def run(server: ScriptedServer) -> list[str]:
        async with httpx.AsyncClient(transport=Http1Transport(), timeout=5) as client:
            first = await client.post(server.url, content=b"1")
            server.end_connections()  # the server's keep-alive timeout, while we are idle
            await asyncio.sleep(0.2)  # the end reaches the client's event loop
            second = await client.post(server.url, content=b"2")
            return [first.text, second.text]

    with ScriptedServer(lambda request: ok()) as server:
        texts = asyncio.run(run(server))
    assert texts == ["ok", "ok"]
    assert server.connections == 2


def test_an_idle_connection_past_its_expiry_is_not_reused() -> None:
    """A NAT or load balancer forgets an idle connection without a word: a request on it goes
    nowhere (here the server sits on it) and would wait out the read timeout. Past the
    keep-alive expiry the transport opens a new connection instead."""
    connection = threading.local()  # each connection has its server thread

    def answer(request: bytes) -> bytes | None:
        if time.monotonic() - getattr(connection, "answered", time.monotonic()) > 0.3:
            time.sleep(3)  # the forgotten connection: the request is never answered
            return None
        connection.answered = time.monotonic()
        return ok()

    async def run(server: ScriptedServer) -> list[str]:
        transport = Http1Transport(keepalive_expiry_s=0.2)
        async with httpx.AsyncClient(transport=transport, timeout=1) as client:
            first = await client.post(server.url, content=b"1")
            await asyncio.sleep(0.4)  # idle past the expiry (and past the "NAT"'s patience)
            second = await client.post(server.url, content=b"2")
            return [first.text, second.text]

    with ScriptedServer(answer) as server:
        assert asyncio.run(run(server)) == ["ok", "ok"]
    assert server.connections == 2


def _closing_unanswered(every: int) -> Answer:
    """Answer OK, except each ``every``-th request, met with the connection's end (None)."""
    seen: list[bytes] = []

    def answer(request: bytes) -> bytes | None:
        seen.append(request)
        return None if len(seen) % every == 0 else ok()

    return answer


def test_a_reused_connection_ended_before_any_answer_byte_is_resent_once_on_a_new_one() -> None:
    """The server ended a kept-alive connection as the request crossed its close: the request
    goes once more on a new connection. Never more than once: here that one ends unanswered
    too, and the error is raised."""
    with ScriptedServer(_closing_unanswered(2)) as server:
        assert [a.text for a in post_all(server.url, [b"1", b"2"])] == ["ok", "ok"]
        assert server.connections == 2
        assert server.requests[1:] == [server.requests[2]] * 2  # "2" went twice
    with ScriptedServer(lambda request: ok() if request.endswith(b"1") else None) as server:
        with pytest.raises(httpx.RemoteProtocolError):
            post_all(server.url, [b"1", b"2"])
        assert len(server.requests) == 3  # "1"; "2" on the kept connection, then on a new one


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf",  # part of an answer came
        None,  # on a fresh connection: it was not a kept-alive one the server was closing
    ],
    ids=["answer-began", "fresh-connection"],
)
def test_an_ended_connection_is_not_resent_when_the_request_may_have_been_read(
    reply: bytes | None,
) -> None:
    replies = iter([ok(), reply] if reply is not None else [None])
    last = lambda request: request.endswith(b"2")  # noqa: E731
    with ScriptedServer(lambda request: next(replies), close_when=last) as server:
        bodies = [b"1", b"2"] if reply is not None else [b"1"]
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            post_all(server.url, bodies)
        assert len(server.requests) == len(bodies)  # nothing sent again


def test_bytes_sent_on_an_idle_connection_drop_it_and_are_not_kept() -> None:
    """An endpoint streaming on a connection nobody reads from (idle between runs) must not
    fill our memory: the first unasked byte ends the connection."""
    flood_bytes = 64 * 1024 * 1024

    def flood(conn: socket.socket) -> int:
        sent, block = 0, b"x" * 65536
        conn.settimeout(5)
        with suppress(OSError):
            while sent < flood_bytes:
                conn.sendall(block)
                sent += len(block)
        return sent

    async def run(server: ScriptedServer) -> int:
        async with httpx.AsyncClient(transport=Http1Transport(), timeout=5) as client:
            await client.post(server.url, content=b"1")
            return await asyncio.to_thread(flood, server.accepted[0])

    with ScriptedServer(lambda request: ok()) as server:
        sent = asyncio.run(run(server))
    assert sent < flood_bytes // 4  # cut off after what the kernels' buffers hold


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (b"SSH-2.0-OpenSSH_9.2\r\n\r\n", httpx.RemoteProtocolError),
        (b"HTTP/1.1 2000 OK\r\n\r\n", httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Length: 11\r\n\r\n", httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\n bad: folded\r\n\r\n", httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY_BYTES + 1), httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n", httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\nX: " + b"a" * (70 * 1024), httpx.RemoteProtocolError),
        (None, httpx.RemoteProtocolError),  # the connection closed without an answer
        (b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", httpx.RemoteProtocolError),
    ],
    ids=[
        "not-http", "bad-status", "two-lengths", "negative-length", "unknown-coding",
        "folded-header", "too-large", "bad-chunk-size", "chunk-without-crlf", "endless-head",
        "closed-silently", "cut-short",
    ],
)  # fmt: skip
def test_a_broken_answer_is_an_httpx_transport_error(reply: bytes | None, error: type) -> None:
    with ScriptedServer(lambda request: reply, close_after=True) as server, pytest.raises(error):
        post_all(server.url, [b"x"])


def test_no_answer_in_time_is_a_read_timeout_and_the_connection_is_dropped() -> None:
    with ScriptedServer(lambda request: b"HTTP/1.1 200 OK\r\n") as server:  # never finishes

        async def run() -> None:
            async with httpx.AsyncClient(transport=Http1Transport(), timeout=0.3) as client:
                await client.post(server.url, content=b"x")

        with pytest.raises(httpx.ReadTimeout):
            asyncio.run(run())


def test_a_refused_connection_is_a_connect_error_in_the_users_words() -> None:
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now

    async def run() -> None:
        async with make_delivery_client(timeout_s=2) as client:
            await client.post(f"http://127.0.0.1:{port}/hook?key=SECRETKEY", content=b"x")

    with pytest.raises(httpx.ConnectError) as caught:
        asyncio.run(run())
    error = delivery_error_from(caught.value, channel="hook")
    assert isinstance(error, TransientDeliveryError)
    assert "connection refused" in str(error)
    assert "SECRETKEY" not in str(error)


def test_only_http_and_https_are_spoken() -> None:
    async def run() -> None:
        async with httpx.AsyncClient(transport=Http1Transport()) as client:
            await client.post("ftp://127.0.0.1/hook", content=b"x")

    with pytest.raises(httpx.UnsupportedProtocol):
        asyncio.run(run())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reply=st.binary(max_size=600) | st.builds(
    lambda tail: b"HTTP/1.1 200 OK\r\n" + tail, st.binary(max_size=400)
))  # fmt: skip
def test_any_bytes_in_answer_give_a_response_or_an_httpx_error(reply: bytes) -> None:
    """Hostile or broken endpoints: the transport answers or raises httpx's errors, nothing
    else (the outbox turns those into retries), and never hangs past the read timeout."""
    with ScriptedServer(lambda request: reply, close_after=True) as server:

        async def run() -> None:
            async with httpx.AsyncClient(transport=Http1Transport(), timeout=2) as client:
                try:
                    response = await client.post(server.url, content=b"x")
                except httpx.HTTPError:
                    return
                assert 100 <= response.status_code <= 999

        asyncio.run(run())


# TLS -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = [
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1",
    ]  # fmt: skip
    try:
        subprocess.run(command, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"no openssl command to make a test certificate: {exc}")
    return cert, key


@contextmanager
def tls_server(cert: Path, key: Path) -> Iterator[LocalServer]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            reply = b"tls:" + body
            self.send_response(200)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    server = LocalServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_https_verifies_the_certificate_and_reuses_the_connection(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    with tls_server(cert, key) as server:
        url = f"https://127.0.0.1:{server.server_address[1]}/hook"
        trusted = ssl.create_default_context(cafile=str(cert))
        answers = post_all(url, [b"a", b"b"], ssl_context=trusted)
        assert [a.text for a in answers] == ["tls:a", "tls:b"]
        with pytest.raises(httpx.ConnectError):  # the default trust store does not know it
            post_all(url, [b"a"])


# Through a channel, as the outbox sends ------------------------------------------------------


def test_a_webhook_channel_sends_through_the_delivery_client() -> None:
    with ScriptedServer(lambda request: ok(b'{"ok": true}')) as server:
        channel = build_channel(WebhookOptions(id="hook", url=server.url))
        message = Message("webhook", "alert", "标题", '{"n": 1}')

        async def run() -> str:
            async with make_delivery_client(timeout_s=5) as client:
                return await channel.send(client, message, now=datetime.now(UTC))

        assert asyncio.run(run()) == '{"ok": true}'
    request = server.requests[0]
    assert b"webhook-id: msg_" in request
    assert "标题".encode() in request


def test_an_untrusted_certificate_fails_the_send_as_transient_and_redacted(
    certificate: tuple[Path, Path], engine: Engine
) -> None:
    """A platform's certificate our trust store refuses (here self-signed) is retried, not
    dead: a certificate fails for reasons that pass (the platform's expired and soon renewed,
    a captive portal or intercepting proxy on the user's network, our clock), and a send that
    keeps failing ends dead with the admin told after the policy's attempts anyway. The
    stored error says what is wrong with the certificate, without the channel's key."""
    cert, key = certificate
    now = datetime.now(UTC)
    message = Message("webhook", "alert", "标题", '{"n": 1}')
    with Session(engine) as session:
        enqueue_many(session, [NewDelivery("k", "alert", "hook", None, None, message)], now=now)
        session.commit()
    with tls_server(cert, key) as server:
        url = f"https://127.0.0.1:{server.server_address[1]}/hook?key=SECRETKEY"
        channel = build_channel(WebhookOptions(id="hook", url=url))

        async def run() -> OutboxReport:
            async with make_delivery_client(timeout_s=5) as client:
                return await send_due(
                    engine, {"hook": channel}, client=client, now=lambda: datetime.now(UTC),
                    worker_id="w", pacer=Pacer(),
                )  # fmt: skip

        report = asyncio.run(run())
    assert report.failed == 1
    with Session(engine) as session:
        row = session.exec(select(DeliveryRow)).one()
    assert row.state == "failed"
    assert row.last_error is not None
    assert "SECRETKEY" not in row.last_error
    assert "TLS certificate is not trusted (self-signed certificate)" in row.last_error
    assert len(row.last_error) <= 300
