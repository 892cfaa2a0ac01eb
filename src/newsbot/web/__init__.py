"""The web face of ``newsbot run --http``: health, metrics, a read-only console, a rule playground.

Served by uvicorn in a thread of ``newsbot run``, so one process does both. Handlers read
through the store's query functions (never SQL of their own) and never show a secret.
See docs/console.md.

Usage::

    listener = open_listener(app.settings.http, override="127.0.0.1:8080")
    if listener is not None:
        await serve_beside(Service(app), listener)
"""

from __future__ import annotations

from newsbot.errors import ListenError
from newsbot.web._app import create_app
from newsbot.web._server import Listener, is_loopback, open_listener, serve_beside

__all__ = [
    "ListenError",
    "Listener",
    "create_app",
    "is_loopback",
    "open_listener",
    "serve_beside",
]
