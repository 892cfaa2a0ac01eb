"""All of newsbot's exceptions, in one tree.

    NewsbotError
    ├── ConfigError            bad YAML or settings; carries file:line for each problem
    ├── SchemaOutdatedError    the database needs `newsbot db upgrade`
    ├── ExtractionError        input that cannot be read as an issue at all
    ├── ListenError            the console may not or cannot listen where it was asked to
    ├── SourceError            a source could not be polled
    │   ├── SourceBlockedError     an anti-bot wall answered instead of the page
    │   └── SourceThrottledError   429/503 with Retry-After: retry_not_before says when
    └── DeliveryError          a channel refused or could not take a message
        ├── TransientDeliveryError   try again later (timeouts, 5xx, 429); retry_after_s may say when
        └── PermanentDeliveryError   retrying will not help (bad key, bad signature, webhook gone)

Transient versus permanent is part of the type, so the one place that decides to retry
(the outbox) never parses messages. Third-party exceptions are translated once, in
``newsbot._http``, with ``raise X(...) from exc``.
"""

from __future__ import annotations

from datetime import datetime


class NewsbotError(Exception):
    """Base of every error newsbot raises on purpose."""


class ConfigProblem:
    """One problem in a config file, printed as ``file:line: message``."""

    __slots__ = ("file", "line", "message")

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"

    def __repr__(self) -> str:
        return f"ConfigProblem({str(self)!r})"


class ConfigError(NewsbotError):
    """Raised when a config file is unreadable or invalid; lists every problem found."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class SchemaOutdatedError(NewsbotError):
    """Raised when the database schema is older than this code; says what to run."""


class ExtractionError(NewsbotError):
    """Raised when input cannot be read as an issue (empty, binary, not a page)."""


class ListenError(NewsbotError):
    """Raised when the console may not (no token beyond loopback) or cannot listen (port taken)."""


class SourceError(NewsbotError):
    """Raised when a source could not be polled; ``source`` names it."""

    def __init__(self, message: str, *, source: str = "", url: str = "") -> None:
        self.source = source
        self.url = url
        super().__init__(message)


class SourceBlockedError(SourceError):
    """Raised when an anti-bot wall (JS challenge, captcha) answered instead of the page."""


class SourceThrottledError(SourceError):
    """Raised when a server answered 429/503 with Retry-After; ``retry_not_before`` says when."""

    def __init__(self, message: str, *, source: str, url: str, retry_not_before: datetime) -> None:
        super().__init__(message, source=source, url=url)
        self.retry_not_before = retry_not_before


class DeliveryError(NewsbotError):
    """Raised when a channel could not deliver a message."""

    def __init__(
        self,
        message: str,
        *,
        channel: str = "",
        status_code: int | None = None,
        code: str | None = None,
    ) -> None:
        self.channel = channel
        self.status_code = status_code
        self.code = code  # the platform's own error code, when it answered with one
        super().__init__(message)


class TransientDeliveryError(DeliveryError):
    """Raised for failures worth retrying; ``retry_after_s`` is the platform's hint, if any."""

    def __init__(
        self,
        message: str,
        *,
        channel: str = "",
        status_code: int | None = None,
        retry_after_s: float | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, channel=channel, status_code=status_code, code=code)
        self.retry_after_s = retry_after_s


class PermanentDeliveryError(DeliveryError):
    """Raised when retrying cannot help: invalid key, rejected signature, webhook gone."""
