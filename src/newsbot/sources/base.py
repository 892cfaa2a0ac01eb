"""The source contract: options, persisted state, poll outcomes and the registry of kinds.

A source turns "is there something new?" into one of three outcomes::

    source = build_source(options)
    result = await source.poll(client, state, day=None, now=now)
    match result:
        case Fetched(raw=raw, state=state): ...     # a new or changed issue: extract it
        case NotModified(state=state): ...          # 304, or the same bytes as last time
        case NoIssue(reason=reason, state=state): ...  # not published (yet): not a failure

Failures raise :class:`~newsbot.errors.SourceError` (broken) or
:class:`~newsbot.errors.SourceBlockedError` (an anti-bot wall); the caller keeps the old state.
Built-in kinds register themselves through :func:`register_source`, the same door an
extension uses.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, ClassVar, Protocol, TypeVar
from zoneinfo import ZoneInfo

import httpx
from pydantic import BaseModel, Field, field_validator

from newsbot._validate import SafeId, TimeZoneName
from newsbot.models import RawIssue

# Bounds that keep the poll job alive: a NaN or 1e308 interval would kill it for good.
MAX_EVERY_MINUTES = 7 * 24 * 60
MAX_JITTER_S = 3600


class Schedule(BaseModel, frozen=True, extra="forbid"):
    """When to poll: every ``every_minutes`` inside a daily window, local time.

    Each minute by default: until the issue is out a poll is one small conditional request
    (period.xml or the front page, answered 304), so a minute keeps "a merchant hears within
    a minute" without weighing on the site; the jitter spreads sources over the minute.
    """

    # at least a minute: a paper's site is not polled every second
    every_minutes: float = Field(default=1, ge=1, le=MAX_EVERY_MINUTES, allow_inf_nan=False)
    window: str = "05:00-10:00"
    timezone: TimeZoneName = "Asia/Shanghai"
    jitter_s: float = Field(default=15, ge=0, le=MAX_JITTER_S, allow_inf_nan=False)
    # Once today's issue is stored, only corrections are left to see: poll at this pace.
    after_issue_minutes: float = Field(default=15, ge=1, le=MAX_EVERY_MINUTES, allow_inf_nan=False)

    @field_validator("window")
    @classmethod
    def _check_window(cls, value: str) -> str:
        parse_window(value)
        return value


def parse_window(window: str) -> tuple[int, int]:
    """``"05:00-10:00"`` as minutes since midnight, ``(300, 600)``; 24:00 is allowed as an end."""
    try:
        start_text, end_text = window.split("-")
        start, end = _minutes(start_text), _minutes(end_text)
    except ValueError as exc:
        raise ValueError(f"window must look like 05:00-10:00, got {window!r}") from exc
    if not (0 <= start < 1440 and 0 < end <= 1440 and start != end):
        raise ValueError(f"window must look like 05:00-10:00, got {window!r}")
    return start, end


def _minutes(text: str) -> int:
    hours, minutes = text.strip().split(":")
    if not (0 <= int(minutes) < 60):
        raise ValueError(text)
    return int(hours) * 60 + int(minutes)


class SourceOptions(BaseModel, frozen=True, extra="forbid"):
    """Fields every source kind has; a kind's ``Options`` subclasses this one."""

    id: SafeId
    kind: str
    name: str = ""
    paper: str | None = None
    active: bool = True
    schedule: Schedule = Schedule()
    max_body_bytes: int = Field(default=20_000_000, ge=1024, le=1_000_000_000)
    timeout_s: float = Field(default=20, ge=0.1, le=600, allow_inf_nan=False)
    # between two requests to the same host, across sources
    min_interval_s: float = Field(default=1.0, ge=0, le=3600, allow_inf_nan=False)
    max_redirects: int = Field(default=5, ge=0, le=20)
    backfill: bool = False  # first run: store what is there without alerting (pipeline reads it)

    @property
    def tz(self) -> ZoneInfo:
        """The source's time zone, which decides what "today's issue" is."""
        return ZoneInfo(self.schedule.timezone)


@dataclass(frozen=True)
class Validator:
    """What a server gave us to ask "changed since?": an ETag and/or a Last-Modified date."""

    etag: str | None = None
    last_modified: str | None = None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _from_iso(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


@dataclass(frozen=True)
class SourceState:
    """What a source remembers between polls; the pipeline stores it as JSON.

    ``validators`` are per URL; ``last_issue_hash`` is the hash of the bytes of the last
    issue fetched, so identical bytes become :class:`NotModified`; ``retry_not_before``
    is a server's Retry-After; ``fresh_until`` its Cache-Control max-age for the probe URL.
    """

    validators: Mapping[str, Validator] = field(default_factory=lambda: MappingProxyType({}))
    last_issue_key: str | None = None
    last_issue_hash: str | None = None
    retry_not_before: datetime | None = None
    fresh_until: datetime | None = None

    def to_json(self) -> str:
        """The state as a JSON text (UTF-8, non-ASCII kept), stable key order."""
        data = {
            "validators": {
                url: {k: v for k, v in vars(val).items() if v is not None}
                for url, val in sorted(self.validators.items())
            },
            "last_issue_key": self.last_issue_key,
            "last_issue_hash": self.last_issue_hash,
            "retry_not_before": _iso(self.retry_not_before),
            "fresh_until": _iso(self.fresh_until),
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> SourceState:
        """Read :meth:`to_json` output; ``""``, ``"{}"`` and ``None`` give an empty state."""
        data = json.loads(text) if text else {}
        validators = {
            str(url): Validator(etag=v.get("etag"), last_modified=v.get("last_modified"))
            for url, v in (data.get("validators") or {}).items()
        }
        return cls(
            validators=MappingProxyType(validators),
            last_issue_key=data.get("last_issue_key"),
            last_issue_hash=data.get("last_issue_hash"),
            retry_not_before=_from_iso(data.get("retry_not_before")),
            fresh_until=_from_iso(data.get("fresh_until")),
        )

    def with_validator(self, url: str, validator: Validator | None) -> SourceState:
        """A copy that remembers (or, given None, forgets) the validator of ``url``."""
        validators = dict(self.validators)
        if validator is None or (validator.etag is None and validator.last_modified is None):
            validators.pop(url, None)
        else:
            validators[url] = validator
        return replace(self, validators=MappingProxyType(validators))


@dataclass(frozen=True)
class Fetched:
    """A new or changed issue, with the state to store once it is safely recorded."""

    raw: RawIssue
    state: SourceState


@dataclass(frozen=True)
class NotModified:
    """Nothing new: a 304, the same bytes as last time, or a server asked us to wait."""

    state: SourceState


@dataclass(frozen=True)
class NoIssue:
    """No issue for the day asked (not published yet, Sunday, a holiday): not a failure."""

    reason: str
    state: SourceState


PollResult = Fetched | NotModified | NoIssue
# Called with the first page's part of a new issue while the rest is still being walked, so
# its alerts can go out early (see newsbot.pipeline.poll_source).
EarlyPart = Callable[[RawIssue], Awaitable[None]]


class HostLimiterLike(Protocol):
    """What a source needs from a per-host limiter (see ``newsbot.sources.HostLimiter``)."""

    def slot(self, host: str, *, min_interval_s: float) -> AbstractAsyncContextManager[None]:
        """Hold a request slot at ``host``."""
        ...


class Source(ABC):
    """One configured source of one kind; subclasses declare ``kind`` and ``Options``."""

    kind: ClassVar[str]
    Options: ClassVar[type[SourceOptions]]

    def __init__(self, options: SourceOptions, *, limiter: HostLimiterLike | None = None) -> None:
        if not isinstance(options, self.Options):
            raise TypeError(f"{type(self).__name__} needs {self.Options.__name__} options")
        self.options = options
        # None: the process-wide limiter, so sources on one host share its politeness.
        self.limiter = limiter

    @property
    def id(self) -> str:
        """The configured source id."""
        return self.options.id

    def today(self, now: datetime) -> date:
        """The current date in the source's time zone (a paper's "today")."""
        return now.astimezone(self.options.tz).date()

    @abstractmethod
    async def poll(
        self,
        client: httpx.AsyncClient,
        state: SourceState,
        *,
        day: date | None,
        now: datetime,
        early: EarlyPart | None = None,
    ) -> PollResult:
        """Look for the issue of ``day`` (None: the current one) and fetch it if new.

        A kind that walks many documents hands ``early`` the first page's part of a new issue
        as soon as it has it; the full issue is still the result.
        """

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.options.id!r}>"


_REGISTRY: dict[str, type[Source]] = {}
SOURCE_KINDS: Mapping[str, type[Source]] = MappingProxyType(_REGISTRY)

S = TypeVar("S", bound=type[Source])


def register_source(cls: S) -> S:
    """Class decorator adding a kind to :data:`SOURCE_KINDS`; a kind is registered once."""
    existing = _REGISTRY.get(cls.kind)
    if existing is not None and existing is not cls:
        raise ValueError(f"source kind {cls.kind!r} is already registered by {existing!r}")
    _REGISTRY[cls.kind] = cls
    return cls


def build_source(options: SourceOptions | Mapping[str, Any]) -> Source:
    """The source for validated options (or a plain mapping, validated here)."""
    kind = options.kind if isinstance(options, SourceOptions) else str(options.get("kind"))
    cls = _REGISTRY.get(kind)
    if cls is None:
        raise ValueError(f"unknown source kind {kind!r}; known: {', '.join(sorted(_REGISTRY))}")
    if not isinstance(options, cls.Options):
        data = options.model_dump() if isinstance(options, SourceOptions) else dict(options)
        options = cls.Options.model_validate(data)
    return cls(options)
