"""``feed``: an RSS or Atom feed, fetched by newsbot itself and checked with feedparser.

Config::

    - id: qq-china
      kind: feed
      url: https://news.qq.com/newsgn/rss_newsgn.xml
      schedule: {every_minutes: 20, window: "00:00-24:00"}

The feed is fetched with its validators (a 304 is :class:`NotModified`), then parsed from
the bytes only to learn its entry ids: the issue key is a hash of them, so the same entry
set is :class:`NotModified` even from a server that ignores validators. The document holds
the whole feed bytes; extraction parses it again with feedparser.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Literal

import feedparser
import httpx
from pydantic import field_validator

from newsbot._validate import http_url
from newsbot.errors import SourceError
from newsbot.models import Document
from newsbot.secrets import redact_url
from newsbot.sources._common import http_error, issue_result, waiting
from newsbot.sources._fetch import fetch
from newsbot.sources.base import (
    EarlyPart,
    NoIssue,
    NotModified,
    PollResult,
    Source,
    SourceOptions,
    SourceState,
    register_source,
)


class FeedOptions(SourceOptions, frozen=True, extra="forbid"):
    """Options of a ``feed`` source: the feed URL."""

    kind: Literal["feed"] = "feed"
    url: str

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_url(value)


def entry_identity(entry: Any) -> str:
    """An entry's stable identity: its id, else its link, else title + summary."""
    for name in ("id", "link"):
        value = entry.get(name)
        if value:
            return str(value)
    return f"{entry.get('title', '')}\x1f{entry.get('summary', '')}"


def feed_issue_key(body: bytes, *, source: str, url: str) -> str:
    """``feed:<hash of entry ids>``; raises :class:`SourceError` if ``body`` is not a feed."""
    parsed = feedparser.parse(body)
    entries = parsed.get("entries") or []
    if not entries and not parsed.get("version"):  # an empty real feed still has a version
        problem = parsed.get("bozo_exception")
        raise SourceError(
            f"not an RSS/Atom feed at {redact_url(url)}" + (f": {problem}" if problem else ""),
            source=source,
            url=url,
        )
    ids = sorted(entry_identity(e) for e in entries)
    digest = hashlib.sha256("\x1e".join(ids).encode("utf-8")).hexdigest()
    return "feed:" + digest[:16]


@register_source
class FeedSource(Source):
    """Fetches a feed as one ``feed`` document keyed by its entry set."""

    kind = "feed"
    Options = FeedOptions
    options: FeedOptions

    async def poll(
        self,
        client: httpx.AsyncClient,
        state: SourceState,
        *,
        day: date | None,
        now: datetime,
        early: EarlyPart | None = None,  # one fetch: nothing to hand over early
    ) -> PollResult:
        """Fetch the feed if it changed; a feed has only its current state, no past days."""
        if day is not None and day != self.today(now):
            return NoIssue(f"{self.id} is a feed: it has no issue for past days", state)
        if waiting(state, now=now, asked_day=None):
            return NotModified(state)
        url = self.options.url
        answer = await fetch(
            client,
            url,
            options=self.options,
            now=now,
            validator=state.validators.get(url),
            limiter=self.limiter,
        )
        state = replace(state, fresh_until=answer.fresh_until)
        if answer.status == 304:
            return NotModified(state)
        if answer.status != 200:
            raise http_error(answer.status, url, source=self.id)
        state = state.with_validator(url, answer.validator)
        key = feed_issue_key(answer.body, source=self.id, url=url)
        if key == state.last_issue_key:
            return NotModified(state)  # new bytes (a fresh lastBuildDate), the same entries
        document = Document(
            url=answer.url,
            body=answer.body,
            role="feed",
            media_type=answer.media_type or "application/xml",
            charset=answer.charset,
        )
        return issue_result(self, state, issue_key=key, documents=(document,), day=None)
