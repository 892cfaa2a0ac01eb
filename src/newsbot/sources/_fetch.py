"""HTTP with manners, for every source: one request, politely, with its answer bounded.

``fetch`` does a conditional GET with the stored validator, waits its turn at the host
(:class:`HostLimiter`: a concurrency cap and a minimum interval shared by all sources),
follows redirects one hop at a time (each hop checked and counted), streams the body under
a size cap, decompresses gzip/deflate itself in bounded steps (a decompression bomb stops at
the cap instead of filling memory), recognises anti-bot walls, and reads Retry-After and
Cache-Control. Usage::

    answer = await fetch(client, url, options=opts, validator=state.validators.get(url), now=now)
    if answer.status == 304: ...
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import weakref
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from newsbot._http import source_error_from
from newsbot.errors import SourceBlockedError, SourceError, SourceThrottledError
from newsbot.secrets import redact_url
from newsbot.sources._blocked import blocked_reason
from newsbot.sources._common import http_error
from newsbot.sources.base import (
    HostLimiterLike,
    SourceOptions,
    Validator,
)

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Longest we believe a Retry-After or max-age: a typo'd header must not silence a source for days.
MAX_HINT_S = 6 * 3600
_DECOMPRESS_STEP_BYTES = 256 * 1024


@dataclass
class _HostSlot:
    semaphore: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_start_s: float = float("-inf")


class HostLimiter:
    """Per-host politeness shared by all sources: ``max_per_host`` requests at a time,
    and at least ``min_interval_s`` between the starts of two requests to one host.

    asyncio primitives belong to one event loop, so slots are kept per running loop (the CLI
    and tests call ``asyncio.run`` more than once in a process). Usage::

        async with limiter.slot("szb1.ywcity.cn", min_interval_s=1.0):
            response = await client.send(request, stream=True)
    """

    def __init__(
        self,
        *,
        max_per_host: int = 2,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.max_per_host = max_per_host
        # Injectable so tests check the spacing without waiting for it.
        self._clock = clock
        self._sleep = sleep or asyncio.sleep
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _HostSlot]] = (
            weakref.WeakKeyDictionary()
        )

    def _slot(self, host: str) -> _HostSlot:
        loop = asyncio.get_running_loop()
        slots = self._slots.setdefault(loop, {})
        if host not in slots:
            slots[host] = _HostSlot(asyncio.Semaphore(self.max_per_host))
        return slots[host]

    @contextlib.asynccontextmanager
    async def slot(self, host: str, *, min_interval_s: float) -> AsyncIterator[None]:
        """Wait for a free slot at ``host`` and for the minimum interval, then hold the slot."""
        slot = self._slot(host)
        clock = self._clock or asyncio.get_running_loop().time
        async with slot.semaphore:
            async with slot.lock:
                wait_s = slot.last_start_s + min_interval_s - clock()
                if wait_s > 0:
                    await self._sleep(wait_s)
                slot.last_start_s = clock()
            yield


DEFAULT_LIMITER = HostLimiter()


@dataclass(frozen=True)
class Answer:
    """A server's final answer after redirects: status, headers, bounded decoded body."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes
    redirects: tuple[str, ...] = ()
    fresh_until: datetime | None = None

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lower case (``text/html``)."""
        content_type: str = self.headers.get("content-type", "")
        return content_type.split(";", maxsplit=1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The charset the server declared, if any (it may be wrong: extraction checks)."""
        content_type: str = self.headers.get("content-type", "")
        for part in content_type.split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"').lower()
        return None

    @property
    def validator(self) -> Validator | None:
        """The ETag / Last-Modified to send next time, if the server gave any."""
        etag, modified = self.headers.get("etag"), self.headers.get("last-modified")
        return Validator(etag=etag, last_modified=modified) if etag or modified else None


def parse_retry_after(value: str | None, *, now: datetime) -> datetime | None:
    """Retry-After as an absolute time (seconds or an HTTP date), capped at six hours."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return min(when, now + timedelta(seconds=MAX_HINT_S))
    # Capped before timedelta sees it: 1e30 or inf would overflow; NaN means no hint.
    if math.isnan(seconds):
        return None
    return now + timedelta(seconds=min(max(0.0, seconds), MAX_HINT_S))


def parse_max_age(value: str | None) -> float | None:
    """Seconds of freshness from Cache-Control (``max-age``); None for no-cache/no-store."""
    if not value:
        return None
    directives = {}
    for part in value.lower().split(","):
        name, _, arg = part.strip().partition("=")
        directives[name] = arg.strip().strip('"')
    if "no-cache" in directives or "no-store" in directives:
        return None
    try:
        max_age_s = float(directives["max-age"])
    except (KeyError, ValueError):
        return None
    # NaN and negatives are no hint; a huge value is capped before timedelta sees it.
    return min(max_age_s, MAX_HINT_S) if max_age_s > 0 else None


class _Decoder:
    """Bounded Content-Encoding decoding: never more than the cap comes out of one chunk."""

    def __init__(self, encoding: str, *, source: str, url: str) -> None:
        encoding = encoding.strip().lower()
        self._zlib: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj()
        elif encoding not in ("", "identity"):
            raise SourceError(f"unsupported Content-Encoding {encoding!r}", source=source, url=url)
        self._source, self._url = source, url

    @property
    def compressed(self) -> bool:
        """Whether the body on the wire is compressed (its Content-Length is not the size)."""
        return self._zlib is not None

    def decode(self, chunk: bytes, room_bytes: int) -> bytes:
        """Decode ``chunk`` into at most ``room_bytes + 1`` bytes (one more means "too big")."""
        if self._zlib is None:
            return chunk
        out = bytearray()
        data = chunk
        try:
            while data or self._zlib.unconsumed_tail:
                data = data or self._zlib.unconsumed_tail
                limit = min(_DECOMPRESS_STEP_BYTES, room_bytes + 1 - len(out))
                out += self._zlib.decompress(data, max(limit, 1))
                data = b""
                if len(out) > room_bytes or not self._zlib.unconsumed_tail:
                    break
        except zlib.error as exc:
            raise SourceError(
                "corrupt compressed body", source=self._source, url=self._url
            ) from exc
        return bytes(out)


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    options: SourceOptions,
    now: datetime,
    validator: Validator | None = None,
    limiter: HostLimiterLike | None = None,
) -> Answer:
    """GET ``url`` with manners; returns 2xx, 304 and 4xx answers, raises for the rest.

    Raises :class:`SourceBlockedError` for an anti-bot wall (whatever the status),
    :class:`SourceThrottledError` for 429/503 with Retry-After, :class:`SourceError` for
    5xx, too many redirects, a body over ``max_body_bytes``, or a timeout: ``timeout_s``
    bounds each exchange with the server (request to last byte), so a server that drips one
    byte a second cannot hold us. The wait for the host's turn (``min_interval_s``) is not
    part of it: a big issue queued at a polite pace must not time out before it is asked.
    """
    try:
        return await _follow(client, url, options, now=now, validator=validator, limiter=limiter)
    except TimeoutError as exc:
        raise SourceError(
            f"no complete answer within {options.timeout_s:g} s from {redact_url(url)}",
            source=options.id,
            url=url,
        ) from exc
    except httpx.HTTPError as exc:
        raise source_error_from(exc, source=options.id) from exc
    except httpx.InvalidURL as exc:
        # httpx prepares the next request even when not following: a Location such as
        # "javascript:…" fails there, before _redirect_target can refuse it.
        raise SourceError(
            f"bad redirect or URL from {redact_url(url)}: {exc}", source=options.id, url=url
        ) from exc


async def _follow(
    client: httpx.AsyncClient,
    url: str,
    options: SourceOptions,
    *,
    now: datetime,
    validator: Validator | None,
    limiter: HostLimiterLike | None,
) -> Answer:
    limiter = limiter or DEFAULT_LIMITER
    headers = {"Accept-Encoding": "gzip, deflate"}
    if validator is not None and validator.etag:
        headers["If-None-Match"] = validator.etag
    if validator is not None and validator.last_modified:
        headers["If-Modified-Since"] = validator.last_modified
    hops: list[str] = []
    current = url
    while True:
        answer = await _get_once(client, current, headers, options, limiter)
        if answer.status not in REDIRECT_CODES:
            break
        target = _redirect_target(answer, options)
        hops.append(current)
        if len(hops) > options.max_redirects:
            raise SourceError(
                f"more than {options.max_redirects} redirects from {redact_url(url)}",
                source=options.id,
                url=url,
            )
        # Validators belong to the URL asked first; a moved resource is fetched afresh.
        headers = {"Accept-Encoding": "gzip, deflate"}
        current = target
    return _finish(answer, url=current, hops=tuple(hops), options=options, now=now)


def _redirect_target(answer: Answer, options: SourceOptions) -> str:
    location = answer.headers.get("location")
    target = urljoin(answer.url, location) if location else ""
    if urlsplit(target).scheme not in ("http", "https"):
        raise SourceError(
            f"bad redirect from {redact_url(answer.url)}", source=options.id, url=answer.url
        )
    return target


async def _get_once(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    options: SourceOptions,
    limiter: HostLimiterLike,
) -> Answer:
    request = client.build_request("GET", url, headers=headers)
    async with (
        limiter.slot(request.url.host, min_interval_s=options.min_interval_s),
        asyncio.timeout(options.timeout_s),  # from our turn at the host, not from the queue
    ):
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            if response.status_code in REDIRECT_CODES or response.status_code == 304:
                body = b""
            else:
                body = await _read_capped(response, options)
        finally:
            await response.aclose()
    return Answer(url=url, status=response.status_code, headers=response.headers, body=body)


async def _read_capped(response: httpx.Response, options: SourceOptions) -> bytes:
    url = str(response.request.url)
    decoder = _Decoder(response.headers.get("content-encoding", ""), source=options.id, url=url)
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and not decoder.compressed and int(declared) > options.max_body_bytes:
        raise _too_big(url, options)
    body = bytearray()
    raw_bytes = 0
    async for chunk in response.aiter_raw():
        # Raw bytes count too: empty deflate blocks could otherwise stream forever.
        raw_bytes += len(chunk)
        if raw_bytes > options.max_body_bytes:
            raise _too_big(url, options)
        body += decoder.decode(chunk, options.max_body_bytes - len(body))
        if len(body) > options.max_body_bytes:
            raise _too_big(url, options)
    return bytes(body)


def _too_big(url: str, options: SourceOptions) -> SourceError:
    return SourceError(
        f"body of {redact_url(url)} is over {options.max_body_bytes} bytes",
        source=options.id,
        url=url,
    )


def _finish(
    answer: Answer, *, url: str, hops: tuple[str, ...], options: SourceOptions, now: datetime
) -> Answer:
    status = answer.status
    guess = status < 400  # an error page's script is not evidence of a wall
    reason = None
    if status != 304:
        reason = blocked_reason(answer.body, answer.media_type, markers_only=not guess)
    if reason:
        raise SourceBlockedError(
            f"anti-bot wall at {redact_url(url)}: {reason}", source=options.id, url=url
        )
    retry_at = parse_retry_after(answer.headers.get("retry-after"), now=now)
    if status in (429, 503) and retry_at is not None:
        raise SourceThrottledError(
            f"HTTP {status} from {redact_url(url)}; retry after {retry_at.isoformat()}",
            source=options.id,
            url=url,
            retry_not_before=retry_at,
        )
    if status >= 500 or status == 429:
        raise http_error(status, url, source=options.id)
    max_age_s = parse_max_age(answer.headers.get("cache-control"))
    fresh_until = now + timedelta(seconds=max_age_s) if max_age_s else None
    return Answer(
        url=url,
        status=status,
        headers=answer.headers,
        body=answer.body,
        redirects=hops,
        fresh_until=fresh_until,
    )
