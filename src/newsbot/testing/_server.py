"""The HTTP server under the local look-alikes (:mod:`newsbot.testing.sites`, ``.platforms``).

Usage::

    server = LocalServer(("127.0.0.1", 0), Handler)
"""

from __future__ import annotations

import sys
from http.server import ThreadingHTTPServer
from typing import Any


class LocalServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer whose listen backlog holds a burst of connections (the default
    of 5 refuses some when a test opens a few dozen at once on a loaded machine); its request
    threads never keep the process alive."""

    request_queue_size = 128
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer (a killed or stopped sender) is not an error of
        the server's: no traceback for it; anything else is printed as before."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)
