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
from newsbot.extract._html_common import parse_html as _parse_html
from newsbot.extract._issue import merge_parts as _merge_parts
from newsbot.extract._links import Anchor, LinkReading
from newsbot.extract._links import own_label as _own_label
from newsbot.extract._links import read_links as _read_links
from newsbot.extract._topics import load_topics
from newsbot.models import Document, Issue, RawIssue, Topic

__all__ = [
    "Anchor",
    "LinkReading",
    "decode_bytes",
    "extract",
    "extract_document",
    "guess_role",
    "index_links",
    "load_topics",
]


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


def index_links(body: bytes, url: str, charset: str | None = None) -> LinkReading:
    """The article and page links of an index page found by structure (no template).

    Usage: ``reading = index_links(body, "http://…/node_01.html")``; ``reading.articles``
    and ``reading.pages`` are :class:`Anchor` (url, text lines, printed page label). On a
    whole-issue index only the articles under this page's own label are kept.
    """
    root = _parse_html(decode_bytes(body, charset))
    if root is None:
        return LinkReading()
    reading = _read_links(root, url)
    own = _own_label(reading, url)
    if reading.whole_issue and own is not None:
        reading.articles = [a for a in reading.articles if a.label == own]
    return reading
