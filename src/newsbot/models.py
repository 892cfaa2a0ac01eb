"""The data that flows between newsbot's stages: plain frozen dataclasses, no I/O.

    sources/  --fetch-->  RawIssue (documents: bytes + where they came from)
    extract/  --pure--->  Issue (articles with headline, body, authors, summary, topics ...)
    match/    --pure--->  Match (who wants an article, and why)
    render    --pure--->  Message (text for one channel, already within its limits)

Usage::

    raw = RawIssue(source_id="ywsb", issue_key="2025-05-16", documents=(doc,))
    issue = newsbot.extract.extract(raw)
    for article in issue.articles: ...

Every stage takes and returns these types, so each can be tested alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal

DocumentRole = Literal["page_text", "page_index", "article_page", "feed"]


@dataclass(frozen=True)
class Document:
    """One fetched resource: raw bytes plus what a parser needs to know about them.

    ``role`` says how extraction should read it; ``charset`` is the one the server
    declared (it may be wrong: extraction checks it); ``page`` is the page number
    when the source knows it (an e-paper index says "第01版"); ``pdf_url`` is a page
    index's link to its page PDF, when the page has one (fetched or not).
    """

    url: str
    body: bytes
    role: DocumentRole
    media_type: str = "text/plain"
    charset: str | None = None
    page: int | None = None
    page_name: str | None = None
    pdf_url: str | None = None


@dataclass(frozen=True)
class RawIssue:
    """What a source produced for one issue, before any extraction.

    ``issue_key`` identifies the issue within its source (``2025-05-16`` for a daily
    paper, a hash of entry ids for a feed); (source_id, issue_key) is stored once.
    """

    source_id: str
    issue_key: str
    documents: tuple[Document, ...]
    issue_date: date | None = None
    paper: str | None = None


@dataclass(frozen=True)
class Article:
    """One article as a reader would recognise it. Absent values are None or empty."""

    headline: str
    body: str
    kicker: str | None = None
    subtitle: str | None = None
    column: str | None = None
    authors: tuple[str, ...] = ()
    byline: str | None = None
    summary: str = ""
    keywords: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    continued_to: int | None = None
    continued_from: int | None = None
    captions: tuple[str, ...] = ()
    url: str | None = None
    page: int | None = None
    page_name: str | None = None
    published_at: datetime | None = None
    # The page as printed ("A01", "06") when the page says; ``page`` is its number (3 for
    # "B03"). Stored per page of an issue (``issue_pages.page_label``), not per article.
    page_label: str | None = None

    @property
    def heading(self) -> str:
        """Kicker, headline and subtitle as printed, in one line (matching and text output)."""
        return " ".join(part for part in (self.kicker, self.headline, self.subtitle) if part)

    @property
    def content_hash(self) -> str:
        """Hash of what a reader sees; a corrected re-publish changes it."""
        text = "\x1f".join([self.kicker or "", self.headline, self.subtitle or "", self.body])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def key(self) -> str:
        """Stable identity within an issue: the URL when there is one, else page + headline."""
        if self.url:
            return self.url
        return f"p{self.page or 0}:{self.headline}"

    def to_json(self) -> dict[str, Any]:
        """The JSON contract of ``newsbot extract`` for one article."""
        data = asdict(self)
        for name in ("authors", "keywords", "topics", "captions"):
            data[name] = list(data[name])
        data.pop("page")
        data.pop("page_name")
        data.pop("page_label")
        published = data.pop("published_at")
        if published is not None:
            data["published_at"] = published.isoformat()
        return data


@dataclass(frozen=True)
class Issue:
    """One page or one whole issue of a paper, or one fetch of a feed."""

    articles: tuple[Article, ...]
    paper: str | None = None
    date: date | None = None
    number: int | None = None
    page: int | None = None
    page_count: int | None = None
    page_name: str | None = None
    teasers: tuple[str, ...] = ()
    page_label: str | None = None  # as printed ("A01"); ``page`` is its number
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def to_json(self) -> dict[str, Any]:
        """The JSON contract of ``newsbot extract``: names are stable, absent values null."""
        return {
            "paper": self.paper,
            "date": self.date.isoformat() if self.date else None,
            "number": self.number,
            "page": self.page,
            "page_count": self.page_count,
            "page_name": self.page_name,
            "page_label": self.page_label,
            "articles": [a.to_json() for a in self.articles],
            "teasers": list(self.teasers),
        }


@dataclass(frozen=True)
class Explanation:
    """Why a rule matched: the term, where it was found, and the text around it."""

    term: str
    field: str
    snippet: str

    def __str__(self) -> str:
        return f"matched {self.term} in {self.field}"

    def to_json(self) -> dict[str, str]:
        """``{"term", "field", "snippet"}``, as stored and printed by ``newsbot match --json``."""
        return {"term": self.term, "field": self.field, "snippet": self.snippet}


@dataclass(frozen=True)
class Match:
    """An article wanted by one subscriber's rule."""

    subscriber_id: str
    rule_id: str
    explanations: tuple[Explanation, ...]


@dataclass(frozen=True)
class Message:
    """Text rendered for one channel, within that channel's limits.

    ``body`` is in the channel's native format (markdown, HTML, JSON text of a card);
    ``part``/``parts`` number the pieces of a digest that had to be split.
    """

    channel_kind: str
    kind: Literal["alert", "digest", "test", "admin"]
    title: str
    body: str
    part: int = 1
    parts: int = 1
    # Structured items for formats that build their own payload (cards, embeds, blocks).
    items: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Topic:
    """A catalog entry from ``config/topics.yaml``: a stable id and the terms that signal it."""

    id: str
    name: str
    terms: tuple[str, ...]
