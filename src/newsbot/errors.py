"""All of newsbot's exceptions, in one tree.

    NewsbotError               exit_code says how the command line ends (1: runtime)
    ├── UserError              a plain message for the user; exit_code 2 for usage, 1 for runtime
    ├── ConfigError            bad YAML or settings; carries file:line for each problem (exit 2)
    ├── DatabaseError          the database URL is wrong or its database cannot be used
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
``newsbot._http`` (HTTP) and ``newsbot.store.db`` (databases), with ``raise X(...) from exc``.

:func:`report` is the one place a user-facing error is printed: one line (or one line per
config problem), redacted, never repeating itself; the command line's catch-all hands it
every exception, and only ``-v`` adds the traceback.
"""

from __future__ import annotations

import re
from datetime import datetime


class NewsbotError(Exception):
    """Base of every error newsbot raises on purpose."""

    exit_code = 1


class UserError(NewsbotError):
    """Raised with a message meant for the user as is; ``exit_code`` 2 for usage, 1 for runtime."""

    def __init__(self, message: str, *, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class DatabaseError(NewsbotError):
    """Raised when the database URL is wrong (exit 2) or its database cannot be used (exit 1)."""

    def __init__(self, message: str, *, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


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

    exit_code = 2

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


# --- the one printer -------------------------------------------------------------------

MAX_LINE_CHARS = 300


def redact_text(text: str) -> str:
    """``text`` through the secrets registry's scrub: known secrets, URL passwords, keys."""
    from newsbot.secrets import scrub

    # Piece by piece, so a key's value stops at the ": " that ends a URL in a message.
    return ": ".join(scrub(piece) for piece in text.split(": "))


def public_text(text: str) -> str:
    """``text`` fit to show: credentials redacted, one line, bounded, no ``x: x:`` repeats."""
    text = " ".join(redact_text(text).split())
    parts: list[str] = []
    for part in text.split(": "):
        if not parts or part != parts[-1]:
            parts.append(part)
    text = ": ".join(parts)
    if len(text) > MAX_LINE_CHARS:
        text = text[: MAX_LINE_CHARS - 1] + "…"
    return text


MAX_STORED_ERROR_CHARS = 200
_TAG = re.compile(r"<[^>]{0,500}>")
_SCRIPT_OR_STYLE = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>")


def short_error(text: str, *, max_chars: int = MAX_STORED_ERROR_CHARS) -> str:
    """An error fit to store and list: tags of an HTML page dropped, redacted, one short line.

    A platform answering with its whole HTML error page keeps only what a person reads
    ("HTTP 502: Bad Gateway nginx"), with the code that came first.
    """
    if "<" in text and ">" in text:
        text = _TAG.sub(" ", _SCRIPT_OR_STYLE.sub(" ", text))
    return public_text(text)[:max_chars]


def error_lines(exc: BaseException) -> tuple[list[str], int]:
    """(lines to print, exit code) for any exception: ours by their type, others as unexpected."""
    if isinstance(exc, ConfigError):
        return [public_text(str(p)) for p in exc.problems], exc.exit_code
    if isinstance(exc, NewsbotError):
        return [f"error: {public_text(str(exc))}"], exc.exit_code
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return [f"error: {public_text(where + exc.strerror.lower())}"], 1
    detail = public_text(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    return [f"error: unexpected {detail} (run with -v for details)"], 1


def report(exc: BaseException, *, verbose: bool = False) -> int:
    """Print ``exc`` for the user on stderr and return the exit code; ``verbose`` adds the traceback."""
    import traceback

    import click

    lines, code = error_lines(exc)
    if verbose:
        click.echo(redact_text("".join(traceback.format_exception(exc))), err=True, nl=False)
    for line in lines:
        click.echo(line, err=True)
    return code
