"""Merge the parts of a raw issue into one :class:`Issue`.

Usage::

    issue = merge_parts(raw, parts, topics)

Paper, date, number and page count come from whichever page shows them (first wins;
a disagreeing date is reported). Articles come in page order; an article page replaces
the index entry with the same URL or headline; continued articles are joined.
"""

from __future__ import annotations

from collections.abc import Sequence

from newsbot.extract._continuation import join_continuations
from newsbot.extract._document import Part
from newsbot.extract._draft import Draft
from newsbot.extract._labels import page_order
from newsbot.models import Issue, RawIssue, Topic


def _key(text: str | None) -> str:
    return "".join((text or "").split())


def _dedupe(drafts: list[Draft]) -> list[Draft]:
    """Drop index entries that an article page (same URL or headline) describes in full.

    One set of keys, looked up per entry: a feed of 100k entries stays linear.
    """
    full = [d for d in drafts if d.paragraphs]
    urls = {_key(f.url) for f in full} - {""}
    headlines = {k for f in full for k in (_key(f.heading.headline), _key(f.heading_text()))}
    headlines.discard("")
    kept = []
    for draft in drafts:
        if not draft.paragraphs and (
            _key(draft.url) in urls or _key(draft.heading.headline) in headlines
        ):
            continue
        kept.append(draft)
    return kept


def merge_parts(raw: RawIssue, parts: list[Part], topics: Sequence[Topic]) -> Issue:
    """One issue from the parts of its documents."""
    warnings = [w for part in parts for w in part.warnings]
    dates = [p.date for p in parts if p.date is not None]
    if len(set(dates)) > 1:
        warnings.append(f"pages disagree on the date: {sorted({d.isoformat() for d in dates})}")
    drafts = [d for part in parts for d in part.drafts]
    drafts = _dedupe(drafts)
    # An article page seldom prints its page's label ("A01"); the page's index does.
    labels = {p.page: p.page_label for p in parts if p.page is not None and p.page_label}
    for draft in drafts:
        if not draft.page_label and draft.page in labels:
            draft.page_label = labels[draft.page]
    drafts.sort(key=lambda d: page_order(d.page, d.page_label))
    drafts = join_continuations(drafts)
    # One page (an index with its article pages, say) is that page; several make no page.
    pages = {p.page for p in parts if p.page is not None}
    single = next((p for p in parts if p.page is not None), parts[0]) if len(pages) <= 1 else None
    issue_date = dates[0] if dates else raw.issue_date
    return Issue(
        articles=tuple(d.finish(topics) for d in drafts),
        paper=next((p.paper for p in parts if p.paper), None) or raw.paper,
        date=issue_date,
        number=next((p.number for p in parts if p.number is not None), None),
        page=single.page if single else None,
        page_count=next((p.page_count for p in parts if p.page_count is not None), None),
        page_name=single.page_name if single else None,
        page_label=single.page_label if single else None,
        teasers=tuple(t for part in parts for t in part.teasers),
        warnings=tuple(warnings),
    )
