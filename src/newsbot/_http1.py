"""A lean HTTP/1.1 transport under httpx, for the outbox's many small POSTs to a few hosts.

Why: httpx's default transport (httpcore over h11) spends about 0.4 ms of CPU on each request
on our 2-core machine, three times what httpx's own layer costs, and it walks its whole pool
on every request; the outbox sends thousands of small messages to a handful of platforms, so
that was most of its work (docs/benchmarks.md, "Delivery"). This transport speaks only what
a webhook needs: one request at a time per connection, connections kept alive and reused per
origin (scheme, host, port) for up to 5 s idle, TLS from :mod:`ssl` with httpx's default
context, answers framed by Content-Length, chunked encoding or the connection's end, and
bounded in size. A request is sent a second time in one case only: a reused connection ended
before one byte of its answer (the server closed it as idle; see handle_async_request). httpx keeps
everything above the wire: URLs, headers, content decoding, the errors raised (the same
``httpx`` exception types, so callers translate them as before).

Sources do not use it: pages and feeds come from every kind of server (redirect chains,
large bodies, odd framing), where httpcore's thoroughness is worth its cost.

Usage::

    client = httpx.AsyncClient(transport=Http1Transport())
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import time
from collections import defaultdict

import httpx

MAX_HEAD_BYTES = 64 * 1024  # a status line with headers longer than this is not an answer
MAX_BODY_BYTES = 4 * 1024 * 1024  # platforms answer a webhook in bytes; this is far beyond
IDLE_PER_ORIGIN = 64  # idle connections kept per origin (the outbox has at most `workers` out)
# An idle connection older than this is closed, not reused. A server ends idle keep-alive
# connections at its own timeout (Node.js and Apache: 5 s, gunicorn: 2 s, nginx: 75 s), and a
# NAT or load balancer may forget them without a word; reusing one then fails the request or
# leaves it unanswered until the read timeout. The outbox runs minutes apart with a client kept
# for the service's life, so every run's first sends would meet such connections. 5 s is
# httpcore's choice too; within a run connections are busy and reused.
KEEPALIVE_EXPIRY_S = 5.0

_Origin = tuple[bytes, bytes, int]


class _Answer:
    """A response as read off the wire; ``framing`` is "length", "chunked" or "close"."""

    __slots__ = ("body", "framing", "headers", "keep_alive", "length", "reason", "status")

    def __init__(self) -> None:
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()
        self.keep_alive = True
        self.framing = "close"
        self.length = 0


class _Connection(asyncio.Protocol):
    """One connection to one origin, one exchange at a time; bytes arrive in ``buffer``."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.ended = False  # the peer closed its side, or the connection is gone
        self.error: Exception | None = None  # why the connection was lost, if it broke
        self.answered = 0  # exchanges completed on it: more than 0 means a reused connection
        self.heard = False  # a byte arrived since the current request was written
        self.exchanging = False  # a request is out and its answer being read
        self.idle_since = 0.0  # time.monotonic() when it was last put back idle
        self._waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if not self.exchanging:
            # Bytes nobody asked for (the connection is idle): it cannot be reused, and keeping
            # them would let an endpoint fill our memory while we do not read; drop it now.
            self.close()
            return
        self.heard = True
        self.buffer += data
        self._wake()

    def eof_received(self) -> bool | None:
        self.ended = True
        self._wake()
        return None  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.error = exc
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def reusable(self) -> bool:
        """Idle and open: the peer has not closed it, nor sent anything unasked."""
        transport = self.transport
        return (
            not self.ended
            and not self.buffer
            and transport is not None
            and not (transport.is_closing())
        )

    def close(self) -> None:
        """Drop the connection now. Abort, not close: every request on it was answered or is
        given up, and TLS's polite close waits on the peer (past the loop's end at a stop)."""
        self.ended = True
        if self.transport is not None:
            self.transport.abort()

    async def exchange(self, head: bytes, body: bytes, *, head_only: bool) -> _Answer:
        """Write one request and read its answer."""
        assert self.transport is not None
        self.exchanging, self.heard = True, False
        self.transport.write(head + body)
        answer = _Answer()
        await self._read_head(answer)
        if not (head_only or answer.status in (204, 304) or answer.status < 200):
            await self._read_body(answer)
        self.exchanging = False
        self.answered += 1
        return answer

    def ended_unanswered(self) -> bool:
        """The connection ended (closed or reset) before a single byte of the answer came."""
        return self.ended and not self.heard

    async def _more(self, what: str) -> None:
        """Wait until more bytes arrive; the connection's end first, in ``what``, is an error."""
        if not self.ended:
            before = len(self.buffer)
            await self._wait()
            if len(self.buffer) > before:
                return
        if isinstance(self.error, OSError):
            raise httpx.ReadError(f"connection broken while reading {what}: {self.error}")
        raise httpx.RemoteProtocolError(f"server disconnected before the end of {what}")

    async def _wait(self) -> None:
        """Until bytes arrive or the connection ends."""
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    async def _read_head(self, answer: _Answer) -> None:
        while True:
            while (end := self.buffer.find(b"\r\n\r\n")) < 0:
                if len(self.buffer) > MAX_HEAD_BYTES:
                    raise httpx.RemoteProtocolError("answer head too long")
                await self._more("the answer's head")
            lines = bytes(self.buffer[:end]).split(b"\r\n")
            del self.buffer[: end + 4]
            version, _, rest = lines[0].partition(b" ")
            code, _, answer.reason = rest.partition(b" ")
            if version not in (b"HTTP/1.1", b"HTTP/1.0") or len(code) != 3 or not code.isdigit():
                raise httpx.RemoteProtocolError("not an HTTP/1.x answer")
            answer.status = int(code)
            # "100 Continue" and hints: the real answer follows (the read timeout bounds them).
            if not 100 <= answer.status < 200 or answer.status == 101:
                break
        answer.keep_alive = version == b"HTTP/1.1"
        _read_fields(answer, lines[1:])
        if answer.status == 101:  # the connection now speaks something else: never reused
            answer.keep_alive = False

    async def _read_body(self, answer: _Answer) -> None:
        if answer.framing == "length":
            while len(self.buffer) < answer.length:
                await self._more("the answer's body")
            answer.body += self.buffer[: answer.length]
            del self.buffer[: answer.length]
        elif answer.framing == "chunked":
            await self._read_chunks(answer)
        else:
            while not self.ended:
                if len(self.buffer) > MAX_BODY_BYTES:
                    raise httpx.RemoteProtocolError("answer too large")
                await self._wait()
            answer.body += self.buffer[:MAX_BODY_BYTES]
            self.buffer.clear()

    async def _line(self) -> bytes:
        """The next CRLF-terminated line of a chunked body."""
        while (end := self.buffer.find(b"\r\n")) < 0:
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise httpx.RemoteProtocolError("chunk line too long")
            await self._more("a chunked answer")
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 2]
        return line

    async def _read_chunks(self, answer: _Answer) -> None:
        while True:
            size_field = (await self._line()).split(b";", 1)[0].strip()
            try:
                size = int(size_field, 16)
            except ValueError:
                raise httpx.RemoteProtocolError("invalid chunk size in the answer") from None
            if size < 0 or len(answer.body) + size > MAX_BODY_BYTES:
                raise httpx.RemoteProtocolError("answer too large")
            if size == 0:
                while await self._line():  # trailers, up to the empty line
                    pass
                return
            while len(self.buffer) < size + 2:
                await self._more("a chunked answer")
            if self.buffer[size : size + 2] != b"\r\n":
                raise httpx.RemoteProtocolError("chunk without its CRLF")
            answer.body += self.buffer[:size]
            del self.buffer[: size + 2]


class Http1Transport(httpx.AsyncBaseTransport):
    """Keep-alive HTTP/1.1 connections per origin, one exchange each at a time (module doc).

    Concurrency is the caller's: every request in flight has its own connection (the outbox
    keeps at most ``workers`` out); idle ones wait for the next request to their origin.
    """

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        keepalive_expiry_s: float = KEEPALIVE_EXPIRY_S,
    ) -> None:
        self._ssl_context = ssl_context
        self._keepalive_expiry_s = keepalive_expiry_s
        self._idle: defaultdict[_Origin, list[_Connection]] = defaultdict(list)
        self._busy: set[_Connection] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.raw_scheme not in (b"http", b"https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}")
        origin = (url.raw_scheme, url.raw_host, url.port or (443 if url.scheme == "https" else 80))
        timeouts = request.extensions.get("timeout", {})
        body = await request.aread()
        head = _request_head(request, body)
        head_only = request.method == "HEAD"
        connection = await self._connection(origin, timeouts.get("connect"))
        reused = connection.answered > 0
        try:
            answer = await self._exchange(connection, head, body, head_only, timeouts.get("read"))
        except (httpx.RemoteProtocolError, httpx.ReadError):
            if not (reused and connection.ended_unanswered()):
                raise
            # Sent once more, on a new connection, and only here: the server ended a connection
            # it had kept alive before one byte of an answer. That is a server closing an idle
            # connection (its keep-alive timeout or request limit) as our request crossed its
            # close: it never read the request (the bytes met a closed socket). An HTTP/1.1
            # server that takes a request answers it before it closes; one that acted on it and
            # then hung up without a word is broken, and for it the outbox would send again
            # anyway (a transient failure is retried), so this adds no repeat, it only comes
            # sooner. A timeout, a reset after some answer, or a fresh connection: never resent.
            # The resend has its own timeouts: a send then lasts at most read + connect + read
            # (60 s by default), within the outbox's lease (newsbot.outbox.DEFAULT_LEASE_S).
            connection = await self._open(origin, timeouts.get("connect"))
            answer = await self._exchange(connection, head, body, head_only, timeouts.get("read"))
        idle = self._idle[origin]
        if answer.keep_alive and connection.reusable() and len(idle) < IDLE_PER_ORIGIN:
            connection.idle_since = time.monotonic()
            idle.append(connection)
        else:
            connection.close()
        return httpx.Response(
            answer.status,
            headers=answer.headers,
            stream=httpx.ByteStream(bytes(answer.body)),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": answer.reason},
        )

    async def _exchange(
        self,
        connection: _Connection,
        head: bytes,
        body: bytes,
        head_only: bool,
        timeout_s: float | None,
    ) -> _Answer:
        """One request and its answer on ``connection``; a connection that failed is closed."""
        try:
            async with asyncio.timeout(timeout_s):
                return await connection.exchange(head, body, head_only=head_only)
        except TimeoutError:
            connection.close()
            raise httpx.ReadTimeout("no answer in time") from None
        except BaseException:  # broken, or cancelled mid-answer: its state is unknown
            connection.close()
            raise
        finally:
            self._busy.discard(connection)

    async def _connection(self, origin: _Origin, timeout_s: float | None) -> _Connection:
        """An idle connection to ``origin`` still open and not expired, else a new one."""
        idle = self._idle[origin]
        expired_before = time.monotonic() - self._keepalive_expiry_s
        while idle:
            connection = idle.pop()
            if connection.reusable() and connection.idle_since > expired_before:
                self._busy.add(connection)
                return connection
            connection.close()
        return await self._open(origin, timeout_s)

    async def _open(self, origin: _Origin, timeout_s: float | None) -> _Connection:
        """A new connection to ``origin`` (TLS for https), counted busy."""
        scheme, raw_host, port = origin
        host = raw_host.decode("ascii")
        context = self._context() if scheme == b"https" else None
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout_s):
                transport, connection = await loop.create_connection(_Connection, host, port)
                if context is not None:
                    transport = await _start_tls(loop, connection, context, host)
        except TimeoutError:
            raise httpx.ConnectTimeout(f"timed out connecting to {host}:{port}") from None
        except OSError as exc:  # ssl.SSLError included
            raise httpx.ConnectError(_reason(exc)) from exc
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # A request goes out in one write, but the answer should not wait for Nagle.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._busy.add(connection)
        return connection

    def _context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()
        return self._ssl_context

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()
        for connection in self._busy:
            connection.close()
        self._busy.clear()


def _read_fields(answer: _Answer, lines: list[bytes]) -> None:
    """The answer's headers, and from them its framing and whether the connection stays."""
    length: int | None = None
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise httpx.RemoteProtocolError("malformed header line in the answer")
        value = value.strip()
        answer.headers.append((name, value))
        low = name.lower()
        if low == b"content-length":
            if not value.isdigit() or (length is not None and int(value) != length):
                raise httpx.RemoteProtocolError("invalid Content-Length in the answer")
            length = int(value)
        elif low == b"transfer-encoding":
            if value.lower() != b"chunked":
                raise httpx.RemoteProtocolError("unsupported Transfer-Encoding in the answer")
            answer.framing = "chunked"
        elif low == b"connection":
            tokens = {token.strip().lower() for token in value.split(b",")}
            if b"close" in tokens:
                answer.keep_alive = False
            elif b"keep-alive" in tokens:
                answer.keep_alive = True
    _frame(answer, length)


def _frame(answer: _Answer, length: int | None) -> None:
    """How the body ends: chunked wins over any Content-Length (RFC 9112, 6.3)."""
    if answer.framing == "chunked":
        return
    if length is None:  # framed by the connection's end: it cannot be reused
        answer.framing, answer.keep_alive = "close", False
    elif length > MAX_BODY_BYTES:
        raise httpx.RemoteProtocolError(f"answer of {length} bytes is too large")
    else:
        answer.framing, answer.length = "length", length


async def _start_tls(
    loop: asyncio.AbstractEventLoop, connection: _Connection, context: ssl.SSLContext, host: str
) -> asyncio.Transport:
    """TLS over the connection's socket; the socket is closed here when the handshake fails
    (create_connection(ssl=...) could leave it to the garbage collector)."""
    assert connection.transport is not None
    plain = connection.transport
    try:
        secure = await loop.start_tls(plain, connection, context, server_hostname=host)
    except BaseException:
        plain.close()
        raise
    if secure is None:  # the loop could not start TLS: nothing to talk over
        plain.close()
        raise httpx.ConnectError("TLS could not be started")
    connection.transport = secure
    return secure


def _reason(exc: OSError) -> str:
    """Why a connection failed, in the words of the system ("Connection refused") or of TLS
    ("the server's TLS certificate is not trusted (self-signed certificate)")."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the server's TLS certificate is not trusted ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):  # not TLS at the other end, or no common protocol
        return f"TLS handshake failed ({exc.reason or exc})"
    if exc.errno and exc.errno > 0:
        return os.strerror(exc.errno)
    return str(exc) or type(exc).__name__


def _request_head(request: httpx.Request, body: bytes) -> bytes:
    """The request line and headers, as httpx prepared them (Host and Content-Length set)."""
    parts = [request.method.encode("ascii"), b" ", request.url.raw_path, b" HTTP/1.1\r\n"]
    has_length = False
    for name, value in request.headers.raw:
        if b"\r" in value or b"\n" in value:  # httpx refuses these too; never split a header
            raise httpx.LocalProtocolError("header value with a line break")
        has_length = has_length or name.lower() == b"content-length"
        parts += [name, b": ", value, b"\r\n"]
    if not has_length and (body or request.method in ("POST", "PUT", "PATCH")):
        parts += [b"Content-Length: ", str(len(body)).encode("ascii"), b"\r\n"]
    parts.append(b"\r\n")
    return b"".join(parts)
