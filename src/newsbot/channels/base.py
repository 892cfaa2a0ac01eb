"""The channel contract: declared limits, a pure ``build_request`` and ``check_response``.

A channel turns one rendered :class:`~newsbot.models.Message` into one HTTP request for its
platform (signed when the platform wants it), and turns the platform's answer into text or a
typed error. Channels never retry and never sleep: the outbox decides both.

Usage::

    channel = build_channel(WeComOptions(id="ops", kind="wecom", key=Secret("k")))
    text = await channel.send(client, message, now=datetime.now(UTC))
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Literal

import httpx
from pydantic import BaseModel, Field, model_validator

from newsbot._http import delivery_error_from
from newsbot._validate import SafeId, http_url
from newsbot.errors import PermanentDeliveryError, TransientDeliveryError
from newsbot.models import Message
from newsbot.secrets import Secret, redact

# Share of a platform's declared rate newsbot uses: a margin for clock drift between our
# processes and the platform's, request latency jitter, and a platform counting arrivals
# rather than sends (WeCom refused the 20th message at 59.997 s when paced at exactly 20/min).
PACE_HEADROOM = 0.85

Format = Literal["markdown", "html", "card", "embeds", "blocks", "text", "json"]
# How untrusted article text is escaped inside the format (see newsbot.render.ESCAPERS).
Escaping = Literal["none", "cn_markdown", "markdown", "mrkdwn", "html"]


class ChannelOptions(BaseModel, frozen=True, extra="forbid"):
    """What every channel entry of the config has; platforms add their own fields."""

    id: SafeId
    kind: str
    active: bool = True
    # Overrides the platform's default pace (messages a minute) for this endpoint.
    # at least one a 100 minutes: a tinier rate would wait longer than a timedelta can hold
    max_per_minute: float | None = Field(default=None, ge=0.01, le=1_000_000, allow_inf_nan=False)

    @model_validator(mode="after")
    def _check_urls(self) -> ChannelOptions:
        """Every plain URL field (``url``, ``api_url``) is a well-formed http(s) URL."""
        for name in ("url", "api_url"):
            value = getattr(self, name, None)
            if isinstance(value, str):
                try:
                    http_url(value)
                except ValueError as exc:
                    raise ValueError(f"{name}: {exc}") from None
        return self


class Channel(ABC):
    """One delivery endpoint of one platform; subclasses declare their limits up front."""

    kind: ClassVar[str]
    Options: ClassVar[type[ChannelOptions]]
    format: ClassVar[Format] = "text"
    escaping: ClassVar[Escaping] = "none"
    # Folder under templates/ to draw from; a platform sharing another's format names it.
    template_kind: ClassVar[str | None] = None
    # Limits as the platform counts them; None means "the platform states none".
    max_body_bytes: ClassVar[int | None] = None
    max_chars: ClassVar[int | None] = None
    max_per_minute: ClassVar[float | None] = None

    def __init__(self, options: ChannelOptions) -> None:
        if not isinstance(options, self.Options):
            raise TypeError(f"{type(self).__name__} needs {self.Options.__name__}")
        self.options = options
        self._secrets: tuple[Secret, ...] | None = None

    @classmethod
    def templates(cls) -> str:
        """The folder under ``templates/`` holding this kind's ``alert.j2`` and ``digest.j2``."""
        return cls.template_kind or cls.kind

    @property
    def id(self) -> str:
        """The channel's id in the config."""
        return self.options.id

    @property
    def per_minute(self) -> float | None:
        """The pace in force: the config's override, else the platform default (None: no limit)."""
        override = self.options.max_per_minute
        return override if override is not None else self.max_per_minute

    @property
    def min_send_interval_s(self) -> float:
        """Seconds to leave between two sends to this endpoint (0 when unlimited).

        Paced at :data:`PACE_HEADROOM` of the declared rate, so no window of 60 s ever holds
        as many sends as the platform allows (20/min: one send every 3.53 s, at most 18 in any
        60 s window).
        """
        rate = self.per_minute
        return 60.0 / (rate * PACE_HEADROOM) if rate else 0.0

    def pace_key(self) -> str:
        """The endpoint's identity for its shared budget: a SHA-256 of kind, URL and secrets.

        Two channel entries posting to the same robot share one budget; the key reveals
        nothing of the URL or tokens it is made from.
        """
        parts = [self.kind, self.endpoint(), *(s.reveal() for s in self.secrets())]
        parts.append(str(getattr(self.options, "chat_id", "")))  # Telegram: a limit per chat
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    @classmethod
    def fits(cls, message: Message) -> bool:
        """True when ``message`` is within the platform's limits (the splitter asks this)."""
        if cls.max_chars is not None and len(message.body) > cls.max_chars:
            return False
        return cls.max_body_bytes is None or len(message.body.encode("utf-8")) <= cls.max_body_bytes

    @abstractmethod
    def build_request(self, message: Message, *, now: datetime) -> httpx.Request:
        """The request that delivers ``message``: payload plus signature; pure, no I/O."""

    @abstractmethod
    def check_response(self, response: httpx.Response) -> str:
        """The platform's answer as text, or TransientDeliveryError / PermanentDeliveryError."""

    async def send(self, client: httpx.AsyncClient, message: Message, *, now: datetime) -> str:
        """Build, send and check one request; transport failures become TransientDeliveryError."""
        request = self.build_request(message, now=now)
        try:
            response = await client.send(request)
        except httpx.HTTPError as exc:
            raise delivery_error_from(exc, channel=self.id) from exc
        return self.check_response(response)

    def secrets(self) -> tuple[Secret, ...]:
        """Every secret in the options, header values included (for redaction)."""
        # Options are frozen: found once, not for every message's answer.
        if self._secrets is None:
            found: list[Secret] = []
            for value in dict(self.options).values():
                items = value.values() if isinstance(value, Mapping) else (value,)
                found.extend(item for item in items if isinstance(item, Secret))
            self._secrets = tuple(s for s in found if s)
        return self._secrets

    def endpoint(self) -> str:
        """The URL this channel posts to, in clear; only for building requests."""
        url = getattr(self.options, "url", None) or getattr(self.options, "webhook_url", None)
        if isinstance(url, Secret):
            return url.reveal()
        return str(url or "")

    def describe(self) -> str:
        """One line naming the channel and where it posts; secrets redacted."""
        where = self.redact(self.endpoint())
        return f"{self.kind} {self.id!r} ({self.format}) -> {where}"

    def redact(self, text: str) -> str:
        """``text`` with every secret of this channel replaced by ``***``."""
        return redact(text, self.secrets())

    # Helpers for subclasses -------------------------------------------------------------

    def plain_title(self, text: str) -> str:
        """A title the platform shows as plain text (a push's first line, a chat preview):
        on one line, with mention and link syntax neutralised as in the body."""
        from newsbot.render import neutralise_plain  # render imports the channel registry

        return neutralise_plain(self.escaping, " ".join(text.split()))

    def signing_secret(self, name: str = "secret") -> str | None:
        """The clear value of an optional signing secret field, None when not configured."""
        value = getattr(self.options, name, None)
        return value.reveal() if isinstance(value, Secret) and value else None

    def json_request(
        self, url: str, payload: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> httpx.Request:
        """A POST with a UTF-8 JSON body; ``ensure_ascii=False`` so sizes match the platform's."""
        body = dumps(payload).encode("utf-8")
        all_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        return httpx.Request("POST", parsed_url(url), content=body, headers=all_headers)

    def raise_for_status(self, response: httpx.Response) -> None:
        """Map HTTP statuses: 429 and 5xx are transient, other 4xx permanent."""
        status = response.status_code
        if status < 400:
            return
        detail = self.redact(response.text[:300])
        if status == 429 or status >= 500 or status == 408:
            raise TransientDeliveryError(
                f"HTTP {status}: {detail}",
                channel=self.id,
                status_code=status,
                retry_after_s=retry_after_s(response),
            )
        raise PermanentDeliveryError(
            f"HTTP {status}: {detail}", channel=self.id, status_code=status
        )

    def json_body(self, response: httpx.Response) -> dict[str, Any]:
        """The answer as a JSON object, or a transient error (a proxy page is not an answer)."""
        try:
            data = response.json()
        except ValueError as exc:
            text = self.redact(response.text[:200])
            raise TransientDeliveryError(
                f"not JSON: {text!r}", channel=self.id, status_code=response.status_code
            ) from exc
        if not isinstance(data, dict):
            raise TransientDeliveryError("JSON answer is not an object", channel=self.id)
        return data

    def judge_code(
        self,
        response: httpx.Response,
        code: object,
        *,
        ok: object,
        message: object,
        transient_codes: Mapping[Any, float | None],
        label: str = "code",
    ) -> str:
        """Judge a platform that answers HTTP 200 with its verdict in the body.

        ``code == ok`` is success (the answer text is returned); a code in
        ``transient_codes`` is retried after the delay it maps to; anything else is permanent.
        """
        if code == ok:
            return response.text
        detail = self.redact(f"{label} {code}: {message}")
        if code in transient_codes:
            raise TransientDeliveryError(
                detail,
                channel=self.id,
                status_code=200,
                retry_after_s=transient_codes[code],
                code=str(code),
            )
        raise PermanentDeliveryError(detail, channel=self.id, status_code=200, code=str(code))


def dumps(payload: Any) -> str:
    """Compact JSON, non-ASCII kept as is (platforms count the UTF-8 bytes of this)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def retry_after_s(response: httpx.Response) -> float | None:
    """Seconds named by a Retry-After header (delta or HTTP date), else None."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (when - datetime.now(UTC)).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def utf16_units(text: str) -> int:
    """Length as JavaScript counts it (UTF-16 code units): Discord's and Telegram's limits."""
    return len(text.encode("utf-16-le")) // 2


def unix_s(now: datetime) -> int:
    """Whole seconds since the epoch, as platforms sign them."""
    return int(now.timestamp())


@functools.lru_cache(maxsize=256)
def parsed_url(url: str) -> httpx.URL:
    """``url`` parsed once: a channel posts every message to the same endpoint, and httpx's
    parser costs ~30 µs a request (URLs signed per request only churn this small cache)."""
    return httpx.URL(url)
