"""The HTTP server under the local look-alikes (:mod:`newsbot.testing.sites`, ``.platforms``).

Usage::

    server = LocalServer(("127.0.0.1", 0), Handler)
"""

from __future__ import annotations

from http.server import ThreadingHTTPServer


class LocalServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer whose listen backlog holds a burst of connections (the default
    of 5 refuses some when a test opens a few dozen at once on a loaded machine); its request
    threads never keep the process alive."""

    request_queue_size = 128
    daemon_threads = True
