"""Small pieces every kind uses: URL templates, dates found in URLs, issue hashing, outcomes.

Usage::

    url = format_template("http://x/layout/{date:%Y%m/%d}/node_01.html", day)
    result = issue_result(source, state, issue_key=key, documents=docs, day=day)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date, datetime

from newsbot.errors import SourceError
from newsbot.models import Document, RawIssue
from newsbot.secrets import redact_url
from newsbot.sources.base import Fetched, NotModified, PollResult, Source, SourceState

_URL_DATE = re.compile(
    r"(?<!\d)(20\d{2}|19\d{2})[-_/]?(0[1-9]|1[0-2])[-_/]?(0[1-9]|[12]\d|3[01])(?!\d)"
)


def format_template(template: str, day: date, **fields: object) -> str:
    """Fill ``{date:%Y%m/%d}`` (any strftime format) and other named fields of a URL template."""
    return template.format(date=day, **fields)


def is_dated(template: str) -> bool:
    """Whether a URL template names the issue date, so each day has its own URL."""
    return "{date" in template


def url_dates(url: str) -> set[date]:
    """Every plausible date spelled in a URL path (``202505/16``, ``2025-05/16``, ``20250516``)."""
    found = set()
    for year, month, day in _URL_DATE.findall(url):
        try:
            found.add(date(int(year), int(month), int(day)))
        except ValueError:
            continue
    return found


def redirected_elsewhere(requested: str, final: str, day: date) -> date | None:
    """The other date a redirect led to (yesterday's issue, typically), else None."""
    if final == requested:
        return None
    dates = url_dates(final)
    if dates and day not in dates:
        return max(dates)
    return None


def http_error(status: int, url: str, *, source: str) -> SourceError:
    """The error for an HTTP status that leaves a source nothing to read (``url`` redacted)."""
    return SourceError(f"HTTP {status} from {redact_url(url)}", source=source, url=url)


def documents_hash(documents: tuple[Document, ...]) -> str:
    """A hash of every document's URL and bytes: equal hashes mean an identical issue."""
    digest = hashlib.sha256()
    for doc in documents:
        digest.update(doc.url.encode("utf-8") + b"\x00")
        digest.update(hashlib.sha256(doc.body).digest())
    return digest.hexdigest()


def issue_result(
    source: Source,
    state: SourceState,
    *,
    issue_key: str,
    documents: tuple[Document, ...],
    day: date | None,
) -> PollResult:
    """Fetched for new or changed bytes; NotModified when the same issue has the same bytes."""
    content_hash = documents_hash(documents)
    if state.last_issue_key == issue_key and state.last_issue_hash == content_hash:
        return NotModified(state)
    new_state = replace(state, last_issue_key=issue_key, last_issue_hash=content_hash)
    raw = RawIssue(
        source_id=source.id,
        issue_key=issue_key,
        documents=documents,
        issue_date=day,
        paper=source.options.paper or source.options.name or None,
    )
    return Fetched(raw=raw, state=new_state)


def prune_validators(result: PollResult, day: date) -> PollResult:
    """Drop validators of URLs dated another day: they would never be asked again, and
    without this a dated source's state would grow by one URL a day forever."""
    validators = result.state.validators
    stale = [key for key in validators if (dates := url_dates(key)) and day not in dates]
    if not stale:
        return result
    state = result.state
    for key in stale:
        state = state.with_validator(key, None)
    return replace(result, state=state)


def waiting(state: SourceState, *, now: datetime, asked_day: date | None) -> bool:
    """Whether a server asked us not to come back yet (Retry-After; max-age for "current")."""
    if state.retry_not_before is not None and now < state.retry_not_before:
        return True
    return asked_day is None and state.fresh_until is not None and now < state.fresh_until
