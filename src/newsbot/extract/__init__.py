"""Extraction: what a newspaper publishes (page text, e-paper HTML, feeds) to clean articles.

Pure and deterministic: no network, no database; the same input gives the same output.

Usage::

    from newsbot.extract import extract, load_topics
    issue = extract(raw_issue, topics=load_topics("config/topics.yaml"))
    for article in issue.articles:
        print(article.headline, article.authors, article.summary)

Each :class:`~newsbot.models.Document` is read by its ``role``: ``page_text`` (text of a
page PDF), ``page_index`` (an e-paper layout page: headlines and URLs), ``article_page``
(an e-paper article page) or ``feed`` (RSS/Atom bytes). See docs/extraction.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from newsbot.extract._decode import decode_bytes
from newsbot.extract._document import guess_role
from newsbot.extract._document import read_document as _read_document
from newsbot.extract._issue import merge_parts as _merge_parts
from newsbot.extract._topics import load_topics
from newsbot.models import Document, Issue, RawIssue, Topic

__all__ = ["decode_bytes", "extract", "extract_document", "guess_role", "load_topics"]


def extract(raw: RawIssue, *, topics: Sequence[Topic] = ()) -> Issue:
    """All documents of a raw issue merged into one Issue (articles in page order).

    Usage: ``extract(RawIssue("ywsb", "2025-05-16", (doc,)), topics=catalog)``

    Raises ExtractionError (naming the URL) when a document cannot be an issue at all.
    """
    parts = [_read_document(doc) for doc in raw.documents]
    if not parts:
        return Issue(articles=(), paper=raw.paper, date=raw.issue_date)
    return _merge_parts(raw, parts, topics)


def extract_document(doc: Document, *, topics: Sequence[Topic] = ()) -> Issue:
    """One document read on its own.

    Usage: ``extract_document(Document(url, body, role="page_text"))``
    """
    raw = RawIssue(source_id="", issue_key="", documents=(doc,))
    return extract(raw, topics=topics)
