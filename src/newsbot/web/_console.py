"""The read-only console: sources, issues with their articles, matches, deliveries, channels.

Nothing here writes, and nothing shows a secret: channel endpoints go through the channel's
own redaction (``describe()``), stored errors through :func:`newsbot.secrets.redact_url`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from newsbot.secrets import redact_url
from newsbot.store import console as store
from newsbot.store.articles import issue_article_rows, latest_issues
from newsbot.store.outbox import DEAD, FAILED, PENDING, SENDING, SENT
from newsbot.store.tables import ArticleRow, IssuePageRow, IssueRow
from newsbot.web._app import render, state_of

if TYPE_CHECKING:
    from newsbot.pipeline import App

STATES = (PENDING, SENDING, SENT, FAILED, DEAD)
DELIVERIES_PAGE = 200


def clean(text: str | None) -> str:
    """A stored error or answer fit to show: URL tokens redacted, first 500 characters."""
    return redact_url(text or "")[:500]


def describe_channel(app: App, channel_id: str, kind: str) -> str:
    """Where a channel posts, redacted by the channel itself; only the kind for unknown ones."""
    from newsbot.channels import build_channel

    options = app.settings.channels.get(channel_id)
    if options is None:
        return f"{kind} (not in the config)"
    return redact_url(build_channel(options).describe())


def _overview(app: App) -> dict[str, Any]:
    with app.session() as session:
        sources = store.source_health(session)
        channels = store.channel_health(session)
        due, oldest = store.outbox_due(session, now=app.clock())
        issues = latest_issues(session, limit=15)
    return {
        "sources": sources,
        "channels": [
            {"health": h, "where": describe_channel(app, h.row.id, h.row.kind)} for h in channels
        ],
        "failing": [h for h in channels if h.failing],
        "states": STATES,
        "due": due,
        "oldest_due": oldest,
        "issues": issues,
    }


async def overview(request: Request) -> Response:
    """Sources with health and next poll, failing channels, the outbox, the latest issues."""
    context = await run_in_threadpool(_overview, state_of(request).app)
    return render(request, "overview.html", clean=clean, **context)


@dataclass(frozen=True)
class PageGroup:
    """One page of an issue: its links (when stored) and the articles printed on it."""

    number: int | None
    name: str | None
    articles: list[ArticleRow]
    url: str | None = None
    pdf_url: str | None = None
    label: str | None = None  # as printed ("A01"), when the page says


def is_pdf(url: str | None) -> bool:
    """True when a stored link points at a PDF (a page scanned or laid out as one)."""
    return bool(url) and str(url).lower().split("?")[0].endswith(".pdf")


def _issue(app: App, issue_id: int) -> dict[str, Any]:
    with app.session() as session:
        row = session.get(IssueRow, issue_id)
        if row is None:
            raise HTTPException(404, f"no stored issue with id {issue_id}")
        articles = issue_article_rows(session, issue_id)
        stored = store.issue_pages(session, issue_id)
    return {"issue": row, "pages": group_pages(stored, articles), "count": len(articles)}


def group_pages(stored: list[IssuePageRow], articles: list[ArticleRow]) -> list[PageGroup]:
    """Every stored page (with its links), each article under its page, in page order.

    A page without articles (an advert) is still listed; articles of a page that was not
    stored (sources without page indexes) get a group of their own.
    """
    groups: dict[int | None, PageGroup] = {
        p.page: PageGroup(p.page, p.page_name, [], p.url, p.pdf_url, p.page_label) for p in stored
    }
    for article in articles:
        group = groups.setdefault(article.page, PageGroup(article.page, article.page_name, []))
        group.articles.append(article)
    return sorted(groups.values(), key=lambda g: (g.number is None, g.number or 0))


async def issue(request: Request) -> Response:
    """One issue: its pages, and on each its articles with summary, topics and links."""
    issue_id = int(request.path_params["issue_id"])
    context = await run_in_threadpool(_issue, state_of(request).app, issue_id)
    return render(request, "issue.html", loads=json.loads, is_pdf=is_pdf, **context)


def _article(app: App, article_id: int) -> dict[str, Any]:
    with app.session() as session:
        row = session.get(ArticleRow, article_id)
        if row is None:
            raise HTTPException(404, f"no stored article with id {article_id}")
        issue_row = session.get(IssueRow, row.issue_id)
        matches = store.article_matches(session, article_id)
        sent = store.article_deliveries(session, article_id)
    return {"article": row, "issue": issue_row, "matches": matches, "deliveries": sent}


async def article(request: Request) -> Response:
    """One article: who it matched and why (term, field, snippet), and what was sent."""
    article_id = int(request.path_params["article_id"])
    context = await run_in_threadpool(_article, state_of(request).app, article_id)
    return render(request, "article.html", loads=json.loads, is_pdf=is_pdf, clean=clean, **context)


def _deliveries(app: App, states: list[str]) -> dict[str, Any]:
    with app.session() as session:
        rows = store.deliveries(session, states=states, limit=DELIVERIES_PAGE)
    return {"rows": rows, "states": STATES, "selected": states, "limit": DELIVERIES_PAGE}


async def deliveries(request: Request) -> Response:
    """The outbox log, newest first: state, attempts, next attempt, last error."""
    states = [s for s in request.query_params.getlist("state") if s in STATES]
    context = await run_in_threadpool(_deliveries, state_of(request).app, states)
    return render(request, "deliveries.html", clean=clean, **context)


__all__ = ["article", "deliveries", "issue", "overview"]
