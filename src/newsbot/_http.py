"""The one shared httpx client factory, and the only place httpx errors are translated.

Usage::

    async with make_async_client() as client:
        try:
            response = await client.send(request)
        except httpx.HTTPError as exc:
            raise delivery_error_from(exc, channel="wecom-ops") from exc
"""

from __future__ import annotations

import logging

import httpx

from newsbot import __version__
from newsbot.errors import SourceError, TransientDeliveryError
from newsbot.secrets import RedactingFilter, redact_url

USER_AGENT = f"newsbot/{__version__} (+https://github.com/newsbot; news alerts for local papers)"
DEFAULT_TIMEOUT_S = 20.0
DEFAULT_MAX_REDIRECTS = 5


# httpx logs every request's full URL at INFO, keys and tokens in the query included: its
# records are scrubbed at the source, whichever handler prints them.
_REDACT = RedactingFilter()
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_REDACT)


def make_async_client(
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_connections: int = 20,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """A client with newsbot's manners: a clear User-Agent, timeouts, a redirect limit.

    Redirects are not followed automatically: sources follow them one by one so each hop
    is checked (a redirect to yesterday's issue means "no issue today").
    ``trust_env=False`` keeps proxies from the environment out of tests on 127.0.0.1.
    """
    return httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT},
        timeout=httpx.Timeout(timeout_s),
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
        follow_redirects=False,
        max_redirects=max_redirects,
        transport=transport,
        trust_env=False,
    )


def make_delivery_client(*, timeout_s: float = DEFAULT_TIMEOUT_S) -> httpx.AsyncClient:
    """The client messages go out with: the same manners over :mod:`newsbot._http1`, a lean
    HTTP/1.1 transport (httpcore's per-request cost was most of the outbox's work)."""
    from newsbot._http1 import Http1Transport

    return make_async_client(timeout_s=timeout_s, transport=Http1Transport())


# In the user's terms, first match wins (ConnectTimeout before the other timeouts).
_IN_WORDS: tuple[tuple[type[httpx.HTTPError], str], ...] = (
    (httpx.ConnectTimeout, "cannot connect to {url}: timed out"),
    (httpx.TimeoutException, "no answer from {url} in time"),
    (httpx.UnsupportedProtocol, "{url}: only http:// and https:// addresses can be fetched"),
    (httpx.TooManyRedirects, "too many redirects from {url}"),
    (httpx.DecodingError, "{url} sent a body that cannot be decoded"),
    (httpx.TransportError, "{url} broke off the answer (connection closed, or not HTTP)"),
)


def _describe(exc: httpx.HTTPError) -> str:
    """What went wrong in the user's terms ("cannot connect to URL: connection refused")."""
    try:
        url = redact_url(str(exc.request.url))
    except RuntimeError:  # the request is not set on some errors
        url = "the server"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect to {url}: {_connect_reason(str(exc))}"
    for kind, words in _IN_WORDS:
        if isinstance(exc, kind):
            return words.format(url=url)
    return f"request to {url} failed ({type(exc).__name__})"


def _connect_reason(text: str) -> str:
    low = text.lower()
    if "refused" in low or "all connection attempts failed" in low:
        return "connection refused"
    if "name or service not known" in low or "nodename nor servname" in low or "resolution" in low:
        return "host name not found"
    if "unreachable" in low:
        return "network unreachable"
    return " ".join(text.split())[:120] or "connection failed"


def delivery_error_from(exc: httpx.HTTPError, *, channel: str) -> TransientDeliveryError:
    """A transport failure (timeout, refused connection, broken stream) is worth retrying."""
    return TransientDeliveryError(_describe(exc), channel=channel)


def source_error_from(exc: httpx.HTTPError, *, source: str) -> SourceError:
    """A transport failure while polling, named after the source; the URL is redacted."""
    return SourceError(_describe(exc), source=source)
