"""Issues and articles: stored once, updated by content hash, read back as models.

Usage::

    changes = save_issue(session, raw, issue, now=now)
    changes.new      # [(article_id, Article)] never seen before: match these
    changes.changed  # corrected re-publish: updated in place, not re-alerted
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from newsbot._validate import web_link
from newsbot.models import Article, Document, Issue, RawIssue
from newsbot.secrets import redact_url
from newsbot.store.tables import ArticleRow, IssuePageRow, IssueRow


@dataclass
class IssueChanges:
    """What storing an issue changed."""

    issue_id: int
    is_new_issue: bool
    new: list[tuple[int, Article]] = field(default_factory=list)
    changed: list[tuple[int, Article]] = field(default_factory=list)
    unchanged: int = 0


def article_key(raw: RawIssue, article: Article) -> str:
    """Identity of an article within its source: its URL, else issue + page + headline."""
    if article.url:
        return article.url
    return f"{raw.issue_key}/{article.key}"


def save_issue(session: Session, raw: RawIssue, issue: Issue, *, now: datetime) -> IssueChanges:
    """Store ``issue`` idempotently: new articles inserted, changed ones updated, the rest untouched."""
    row = session.exec(
        select(IssueRow).where(
            IssueRow.source_id == raw.source_id, IssueRow.issue_key == raw.issue_key
        )
    ).first()
    is_new = row is None
    if row is None:
        row = IssueRow(
            source_id=raw.source_id, issue_key=raw.issue_key, fetched_at=now, updated_at=now
        )
    row.paper = issue.paper or raw.paper or row.paper
    row.issue_date = issue.date or raw.issue_date or row.issue_date
    row.number = issue.number or row.number
    row.page_count = issue.page_count or row.page_count
    row.updated_at = now
    session.add(row)
    session.flush()
    assert row.id is not None
    changes = IssueChanges(issue_id=row.id, is_new_issue=is_new)
    _save_pages(session, row.id, raw, _printed_labels(issue))
    seen: set[str] = set()
    for article in issue.articles:
        key = article_key(raw, article)
        if key in seen:  # two articles with one key on a page: keep the first, never crash
            continue
        seen.add(key)
        _save_article(
            session,
            source_id=raw.source_id,
            issue_id=row.id,
            key=key,
            article=article,
            now=now,
            changes=changes,
        )
    row.article_count = len(seen) if is_new else max(row.article_count, len(seen))
    session.add(row)
    session.flush()
    return changes


def _printed_labels(issue: Issue) -> dict[int, str]:
    """Each page number's label as printed ("A01"), as extraction read it off the pages."""
    labels: dict[int, str] = {}
    if issue.page is not None and issue.page_label:
        labels[issue.page] = issue.page_label
    for article in issue.articles:
        if article.page is not None and article.page_label:
            labels.setdefault(article.page, article.page_label)
    return labels


def _save_pages(session: Session, issue_id: int, raw: RawIssue, labels: dict[int, str]) -> None:
    """Upsert the issue's page indexes: one row per page, however many polls deliver it.

    A page's PDF link, once seen, is kept when a later document of the page lacks one.
    URLs are stored redacted: a credential in a site's link never reaches the database.
    """
    pages: dict[int, Document] = {}
    for doc in raw.documents:
        if doc.role == "page_index" and doc.page is not None:
            pages.setdefault(doc.page, doc)  # the first index of a page number wins
    if not pages:
        return
    stored = {
        r.page: r
        for r in session.exec(select(IssuePageRow).where(IssuePageRow.issue_id == issue_id))
    }
    for number, doc in pages.items():
        page = stored.get(number) or IssuePageRow(issue_id=issue_id, page=number, url="")
        page.url = _web_url(doc.url) or page.url
        page.page_name = (doc.page_name or page.page_name or "")[:200] or None
        page.page_label = (labels.get(number) or page.page_label or "")[:20] or None
        page.pdf_url = _web_url(doc.pdf_url) or page.pdf_url
        session.add(page)
    session.flush()


def _web_url(url: str | None) -> str | None:
    """``url`` redacted, when it is an http(s) link; None for anything a page must not link
    (``javascript:``, ``data:`` ... in a hostile site's markup)."""
    link = web_link(url)
    return redact_url(link) if link else None


def _save_article(
    session: Session,
    *,
    source_id: str,
    issue_id: int,
    key: str,
    article: Article,
    now: datetime,
    changes: IssueChanges,
) -> None:
    existing = session.exec(
        select(ArticleRow).where(ArticleRow.source_id == source_id, ArticleRow.key == key)
    ).first()
    digest = article.content_hash
    if existing is not None and existing.content_hash == digest:
        changes.unchanged += 1
        return
    target = existing or ArticleRow(
        issue_id=issue_id,
        source_id=source_id,
        key=key,
        content_hash=digest,
        headline="",
        created_at=now,
        updated_at=now,
    )
    _fill(target, article)
    target.content_hash = digest
    target.updated_at = now
    session.add(target)
    session.flush()
    assert target.id is not None
    (changes.changed if existing is not None else changes.new).append((target.id, article))


def _fill(row: ArticleRow, article: Article) -> None:
    row.headline = article.headline
    row.kicker = article.kicker
    row.subtitle = article.subtitle
    row.column_name = article.column
    row.authors_json = _dump(article.authors)
    row.byline = article.byline
    row.body = article.body
    row.summary = article.summary
    row.keywords_json = _dump(article.keywords)
    row.topics_json = _dump(article.topics)
    row.captions_json = _dump(article.captions)
    row.url = article.url
    row.page = article.page
    row.page_name = article.page_name
    row.continued_to = article.continued_to
    row.continued_from = article.continued_from
    row.published_at = article.published_at


def _dump(values: tuple[str, ...]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def article_from_row(row: ArticleRow) -> Article:
    """The stored article as the model the matcher and templates take."""
    return Article(
        headline=row.headline,
        body=row.body,
        kicker=row.kicker,
        subtitle=row.subtitle,
        column=row.column_name,
        authors=tuple(json.loads(row.authors_json)),
        byline=row.byline,
        summary=row.summary,
        keywords=tuple(json.loads(row.keywords_json)),
        topics=tuple(json.loads(row.topics_json)),
        continued_to=row.continued_to,
        continued_from=row.continued_from,
        captions=tuple(json.loads(row.captions_json)),
        url=row.url,
        page=row.page,
        page_name=row.page_name,
        published_at=row.published_at,
    )


def issue_article_rows(session: Session, issue_id: int) -> list[ArticleRow]:
    """The stored rows of one issue's articles, in page order."""
    return list(
        session.exec(
            select(ArticleRow)
            .where(ArticleRow.issue_id == issue_id)
            .order_by(col(ArticleRow.page), col(ArticleRow.id))
        ).all()
    )


def issue_articles(session: Session, issue_id: int) -> list[tuple[int, Article]]:
    """The articles of one stored issue, in page order."""
    rows = issue_article_rows(session, issue_id)
    return [(r.id, article_from_row(r)) for r in rows if r.id is not None]


def latest_issues(
    session: Session, *, limit: int = 20, source_id: str | None = None
) -> list[IssueRow]:
    """The most recently fetched issues (of one source, if given), newest first."""
    query = select(IssueRow)
    if source_id is not None:
        query = query.where(IssueRow.source_id == source_id)
    return list(
        session.exec(
            query.order_by(col(IssueRow.fetched_at).desc(), col(IssueRow.id).desc()).limit(limit)
        ).all()
    )


def latest_issue(session: Session, source_id: str | None = None) -> IssueRow | None:
    """The most recently fetched issue (of one source, if given)."""
    return next(iter(latest_issues(session, limit=1, source_id=source_id)), None)


def latest_issue_articles(
    session: Session, source_id: str | None = None
) -> list[tuple[int, Article]]:
    """The articles of the latest issue; empty when nothing has been polled yet."""
    issue = latest_issue(session, source_id)
    if issue is None or issue.id is None:
        return []
    return issue_articles(session, issue.id)
