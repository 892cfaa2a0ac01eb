"""Reading HTTP/1.1 requests off a raw socket, for the scripted servers of the transport tests
(tests/test_http1.py, tests/test_outbox_hostile.py): they answer with bytes of their choosing,
so they read the requests themselves."""

from __future__ import annotations

import socket


def read_request(conn: socket.socket, buffer: bytes) -> tuple[bytes, bytes] | None:
    """The next whole request (head and Content-Length body) and the bytes after it; None
    when the client closed the connection first. ``buffer`` holds what was read before."""
    while b"\r\n\r\n" not in buffer:
        data = conn.recv(65536)
        if not data:
            return None
        buffer += data
    head, _, buffer = buffer.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(buffer) < length:
        data = conn.recv(65536)
        if not data:
            return None
        buffer += data
    return head + b"\r\n\r\n" + buffer[:length], buffer[length:]
