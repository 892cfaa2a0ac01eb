"""Sources: find each new issue of a paper, feed or page text, once, politely.

Usage::

    from newsbot.sources import SourceState, build_source, next_poll_at

    source = build_source(options)            # options validated by newsbot.config
    result = await source.poll(client, SourceState.from_json(row.state_json), day=None, now=now)
    when = next_poll_at(options, now=now, outcome="no_issue", consecutive_failures=0)

Kinds: ``epaper`` (dated e-paper sites, presets for Founder and People's Daily systems),
``feed`` (RSS/Atom) and ``pagetext`` (text or PDF pages, or a local folder). Built-in kinds
register through :func:`register_source`, the same door an extension uses.
"""

from __future__ import annotations

from newsbot.errors import SourceThrottledError
from newsbot.sources import epaper as _epaper  # noqa: F401  (registers the kind)
from newsbot.sources import feed as _feed  # noqa: F401  (registers the kind)
from newsbot.sources import pagetext as _pagetext  # noqa: F401  (registers the kind)
from newsbot.sources._blocked import blocked_reason
from newsbot.sources._fetch import DEFAULT_LIMITER, Answer, HostLimiter, fetch
from newsbot.sources._schedule import next_poll_at
from newsbot.sources.base import (
    SOURCE_KINDS,
    Fetched,
    NoIssue,
    NotModified,
    PollResult,
    Schedule,
    Source,
    SourceOptions,
    SourceState,
    Validator,
    build_source,
    register_source,
)

# Plain sorted() order, as tests/test_public_api.py checks (not ruff's constants-first order).
__all__ = [  # noqa: RUF022
    "Answer",
    "DEFAULT_LIMITER",
    "Fetched",
    "HostLimiter",
    "NoIssue",
    "NotModified",
    "PollResult",
    "SOURCE_KINDS",
    "Schedule",
    "Source",
    "SourceOptions",
    "SourceState",
    "SourceThrottledError",
    "Validator",
    "blocked_reason",
    "build_source",
    "fetch",
    "next_poll_at",
    "register_source",
]
