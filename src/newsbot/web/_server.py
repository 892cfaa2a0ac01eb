"""Where the console listens, who may use it, and serving it beside the scheduler.

``newsbot run --http HOST:PORT`` (or ``http.listen`` in the config) binds one socket before
anything starts, so a port in use or a missing token is a clean error, not a half-started
service. Anywhere but loopback, a token is required (``http.token: {$env: NAME}``).

The console runs in a thread with its own event loop (uvicorn), beside the scheduler's.

Usage::

    listener = open_listener(settings.http, override="127.0.0.1:8080")   # None when off
    await serve_beside(Service(app), listener)                            # until SIGTERM
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsbot.errors import ListenError
from newsbot.web._heartbeat import Heartbeat

if TYPE_CHECKING:
    import uvicorn

    from newsbot.config import HttpSettings
    from newsbot.scheduler import Service

OFF = "off"
GRACEFUL_SHUTDOWN_S = 5


@dataclass(frozen=True)
class Listener:
    """A bound socket and the token that guards it (None on loopback without one)."""

    host: str
    port: int
    token: str | None
    sock: socket.socket

    @property
    def url(self) -> str:
        """The console's address, for the start-up line."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


def parse_listen(text: str) -> tuple[str, int]:
    """``"127.0.0.1:8080"`` -> ``("127.0.0.1", 8080)``; ``"[::1]:8080"`` for IPv6."""
    host, sep, port_text = text.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port_text.isdigit() or int(port_text) > 65535:
        raise ListenError(f"http listen address {text!r}: expected HOST:PORT, e.g. 127.0.0.1:8080")
    return host, int(port_text)


def is_loopback(host: str) -> bool:
    """True for localhost and the loopback ranges (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def open_listener(settings: HttpSettings, override: str | None = None) -> Listener | None:
    """Bind the console's socket; None when it is off. Raises ListenError (no token, port taken)."""
    where = override if override is not None else settings.listen
    if where is None or where.strip().lower() == OFF:
        return None
    host, port = parse_listen(where)
    token = settings.token.reveal() if settings.token else None
    if not is_loopback(host) and not token:
        raise ListenError(
            f"refusing to serve the console on {host}:{port} without a token: set http.token "
            "to {$env: NAME} and that variable (or listen on 127.0.0.1)"
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.create_server((host, port), family=family)
    except OSError as exc:
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return Listener(host=host, port=sock.getsockname()[1], token=token or None, sock=sock)


def _server(service: Service, listener: Listener, heartbeat: Heartbeat) -> uvicorn.Server:
    import uvicorn

    from newsbot.web._app import create_app

    class _Server(uvicorn.Server):
        """uvicorn without its own signal handling: the service owns SIGINT/SIGTERM."""

        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    config = uvicorn.Config(
        create_app(service.app, service=service, token=listener.token, heartbeat=heartbeat),
        log_config=None,  # newsbot's logging stays as the CLI set it up
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    return _Server(config)


async def serve_beside(service: Service, listener: Listener) -> None:
    """Run the scheduler's service, and the console beside it, until the service stops.

    The console has an event loop of its own, in a thread: a poll's extraction holds the
    scheduler's loop for seconds, and health checks and pages must answer meanwhile.
    """
    heartbeat = Heartbeat()
    beating = asyncio.create_task(heartbeat.run())  # on the scheduler's loop, like its jobs
    server = _server(service, listener, heartbeat)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener.sock]}, name="newsbot-http", daemon=True
    )
    thread.start()
    try:
        await service.run()
    finally:
        beating.cancel()
        server.should_exit = True
        await asyncio.to_thread(thread.join, GRACEFUL_SHUTDOWN_S + 5)
        listener.sock.close()
