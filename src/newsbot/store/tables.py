"""SQLModel tables: the only place newsbot's schema is declared.

Unique constraints carry the guarantees the design promises:
  - an issue once per (source, issue_key): re-polling is a no-op;
  - an article once per (source, key): a corrected re-publish updates it by content hash;
  - a match once per (subscriber, article): several rules, one entry;
  - a delivery once per dedupe_key, i.e. (kind, subscriber, channel, article or digest period, part).

JSON-ish columns hold lists as JSON text so the same schema runs on SQLite and PostgreSQL.
Secrets are never stored: channel options keep ``{"$env": NAME}`` references only.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class SourceRow(SQLModel, table=True):
    """A configured source and its polling state (validators, failures, next check)."""

    __tablename__ = "sources"

    id: str = Field(primary_key=True, max_length=100)
    kind: str = Field(max_length=40)
    name: str = Field(default="", max_length=200)
    options_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    state_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    active: bool = True
    consecutive_failures: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    last_outcome: str | None = Field(default=None, max_length=40)
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    next_poll_at: datetime | None = None
    admin_alerted_at: datetime | None = None


class IssueRow(SQLModel, table=True):
    """One issue of a source, stored once."""

    __tablename__ = "issues"
    __table_args__ = (UniqueConstraint("source_id", "issue_key", name="uq_issue_source_key"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(foreign_key="sources.id", index=True, max_length=100)
    issue_key: str = Field(max_length=200)
    paper: str | None = Field(default=None, max_length=200)
    issue_date: date | None = None
    number: int | None = None
    page_count: int | None = None
    article_count: int = 0
    fetched_at: datetime
    updated_at: datetime


class ArticleRow(SQLModel, table=True):
    """One extracted article; ``content_hash`` tells a correction from a re-poll."""

    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("source_id", "key", name="uq_article_source_key"),)

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issues.id", index=True)
    source_id: str = Field(foreign_key="sources.id", max_length=100)
    key: str = Field(max_length=1000)
    content_hash: str = Field(max_length=64)
    headline: str = Field(sa_column=Column(Text, nullable=False))
    kicker: str | None = Field(default=None, sa_column=Column(Text))
    subtitle: str | None = Field(default=None, sa_column=Column(Text))
    column_name: str | None = Field(default=None, max_length=200)
    authors_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    byline: str | None = Field(default=None, sa_column=Column(Text))
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    keywords_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    topics_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    captions_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    url: str | None = Field(default=None, sa_column=Column(Text))
    page: int | None = None
    page_name: str | None = Field(default=None, max_length=200)
    continued_to: int | None = None
    continued_from: int | None = None
    published_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class IssuePageRow(SQLModel, table=True):
    """One page of an issue (an e-paper's 第01版): where its index is, and its PDF if any.

    Stored once per (issue, page) and updated as later polls see the page again. URLs are
    stored redacted: a credential in a site's link never reaches the database.
    """

    __tablename__ = "issue_pages"
    __table_args__ = (UniqueConstraint("issue_id", "page", name="uq_issue_page"),)

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issues.id")
    page: int
    page_label: str | None = Field(default=None, max_length=20)  # as printed: "A01"
    page_name: str | None = Field(default=None, max_length=200)
    url: str = Field(sa_column=Column(Text, nullable=False))
    pdf_url: str | None = Field(default=None, sa_column=Column(Text))


class TopicRow(SQLModel, table=True):
    """A topic of the catalog; the id is stable, name and terms are admins' to edit."""

    __tablename__ = "topics"

    id: str = Field(primary_key=True, max_length=100)
    name: str = Field(default="", max_length=200)
    terms_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))


class SubscriberRow(SQLModel, table=True):
    """A person or group that receives messages; removed ones stay for their history."""

    __tablename__ = "subscribers"

    id: str = Field(primary_key=True, max_length=100)
    name: str = Field(default="", max_length=200)
    role: str = Field(default="reader", max_length=40)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    config_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    active: bool = True
    removed_at: datetime | None = None


class ChannelRow(SQLModel, table=True):
    """A delivery endpoint. ``options_json`` holds secret *references*, never values."""

    __tablename__ = "channels"

    id: str = Field(primary_key=True, max_length=100)
    kind: str = Field(max_length=40)
    options_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    active: bool = True
    failing: bool = False
    last_error: str | None = Field(default=None, sa_column=Column(Text))


class RuleRow(SQLModel, table=True):
    """One subscription rule of a subscriber: what to match and how to deliver it."""

    __tablename__ = "rules"

    id: str = Field(primary_key=True, max_length=200)
    subscriber_id: str = Field(foreign_key="subscribers.id", index=True, max_length=100)
    mode: str = Field(default="digest", max_length=20)
    config_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    active: bool = True


class MatchRow(SQLModel, table=True):
    """An article a subscriber wants; waits here for its digest, records whether alerted."""

    __tablename__ = "matches"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "article_id", name="uq_match_subscriber_article"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: str = Field(foreign_key="subscribers.id", index=True, max_length=100)
    article_id: int = Field(foreign_key="articles.id", index=True)
    rule_ids_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    explanations_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    wants_alert: bool = False
    wants_digest: bool = False
    alerted: bool = False
    digested_at: datetime | None = None
    created_at: datetime


class DeliveryRow(SQLModel, table=True):
    """The outbox: a message is a row before any byte goes out.

    States: pending -> sending -> sent | failed (retry at next_attempt_at) | dead.
    """

    __tablename__ = "deliveries"
    # The claim looks for due rows by state, oldest next_attempt_at first (migration 0002).
    __table_args__ = (Index("ix_deliveries_state_next_attempt_at", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True, max_length=500)
    kind: str = Field(max_length=20)
    subscriber_id: str | None = Field(default=None, index=True, max_length=100)
    channel_id: str = Field(index=True, max_length=100)
    article_id: int | None = Field(default=None, foreign_key="articles.id")
    message_json: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default="pending", index=True, max_length=20)
    attempts: int = 0
    next_attempt_at: datetime = Field(index=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    response_text: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=100)


class EndpointPaceRow(SQLModel, table=True):
    """The shared send budget of one platform endpoint: every process and restart reads it.

    ``endpoint_key`` is a SHA-256 of the endpoint's identity (URL and tokens): the secret URL
    is never stored in clear. ``next_free_s`` is the wall-clock time (Unix seconds) of the
    endpoint's next free send slot, pushed back by each send and by the platform's Retry-After.
    """

    __tablename__ = "endpoint_pace"

    endpoint_key: str = Field(primary_key=True, max_length=64)
    next_free_s: float = 0.0
    updated_at: datetime
