"""One :class:`Document` to a :class:`Part`: its drafts plus what it says about the issue.

Usage::

    part = read_document(doc)      # dispatches on doc.role

Input that cannot be an issue at all (empty, binary) raises ExtractionError naming the
URL; anything else is best effort. Huge input is cut to :data:`MAX_TEXT_CHARS` with a
warning, so a 20 MB page finishes in bounded time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urljoin, urlsplit

import lxml.html

from newsbot._validate import web_link
from newsbot.errors import ExtractionError
from newsbot.extract._byline import is_lead
from newsbot.extract._decode import decode_bytes
from newsbot.extract._draft import Draft
from newsbot.extract._feed import feed_drafts
from newsbot.extract._html_article import (
    has_article_markup,
    has_article_text,
    has_body_text,
    read_article_page,
)
from newsbot.extract._html_common import element_text, parse_html
from newsbot.extract._html_index import is_index, parse_index, title_kind
from newsbot.extract._labels import count_labels
from newsbot.extract._links import read_links
from newsbot.extract._pagetext import segment_page
from newsbot.extract._pdf import is_pdf, pdf_text
from newsbot.models import Document, DocumentRole

MAX_TEXT_CHARS = 2_000_000
_MIN_INDEX_LINKS = 3
_SNIFF_BYTES = 65_536
_MAX_BINARY_SHARE = 0.01
# C0 control bytes other than tab, line feed and carriage return: text never has them.
_CONTROL_BYTES = bytes([*range(9), 11, 12, *range(14, 32)])
_BINARY_MAGIC = (b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b")


@dataclass
class Part:
    """What one document contributes to an issue."""

    drafts: list[Draft] = field(default_factory=list)
    paper: str | None = None
    date: date | None = None
    number: int | None = None
    page: int | None = None
    page_count: int | None = None
    page_name: str | None = None
    page_label: str | None = None
    teasers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_bytes(doc: Document) -> None:
    """Raise ExtractionError when the body cannot be text of an issue at all."""
    body = doc.body
    if not body or not body.strip():
        raise ExtractionError(f"{doc.url}: empty document")
    head = body[:_SNIFF_BYTES]
    if head.startswith(_BINARY_MAGIC):
        raise ExtractionError(f"{doc.url}: binary document, not text")
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > len(head) * _MAX_BINARY_SHARE:
        raise ExtractionError(f"{doc.url}: binary document (control bytes), not text")


def _text(doc: Document, part: Part) -> str:
    text = decode_bytes(doc.body, doc.charset)
    if len(text) > MAX_TEXT_CHARS:
        part.warnings.append(f"{doc.url}: cut to the first {MAX_TEXT_CHARS} characters")
        text = text[:MAX_TEXT_CHARS]
    if text.count("\ufffd") > max(20, len(text) // 20):
        part.warnings.append(f"{doc.url}: many undecodable bytes; charset unknown")
    return text


def read_document(doc: Document) -> Part:
    """Drafts and issue facts of one document, dispatched on its role."""
    part = Part(page=doc.page, page_name=doc.page_name)
    if doc.role == "page_text" and is_pdf(doc.body):
        # A page PDF: its text layer is the page text.
        _read_page_text(pdf_text(doc.body, url=doc.url)[:MAX_TEXT_CHARS], doc, part)
        return _finish(part, doc)
    check_bytes(doc)
    if doc.role == "feed":
        notes: list[str] = []
        part.drafts, part.paper = feed_drafts(doc.body, doc.charset, notes=notes, url=doc.url)
        part.warnings += [f"{doc.url}: {note}" for note in notes]
    elif doc.role == "page_text":
        _read_page_text(_text(doc, part), doc, part)
    else:
        _read_html(_text(doc, part), doc, part)
    return _finish(part, doc)


def _finish(part: Part, doc: Document) -> Part:
    dropped = {kind for d in part.drafts if (kind := _dropped_link(d.url))}
    if dropped:
        # The scheme only: the link itself may be a data: blob or carry a credential.
        part.warnings.append(
            f"{doc.url}: article links that are not http(s) dropped ({', '.join(sorted(dropped))})"
        )
    for draft in part.drafts:
        draft.page = draft.page or part.page
        draft.page_name = draft.page_name or part.page_name
        if draft.page == part.page:
            draft.page_label = draft.page_label or part.page_label
    return part


def _dropped_link(url: str | None) -> str | None:
    """The scheme of ``url`` ("javascript", "data" ...) when Draft.finish drops it as no web link.

    A relative link (a page read from a local file has them) is dropped without a word.
    """
    if not url or web_link(url) is not None:
        return None
    try:
        return urlsplit(url.strip()).scheme.lower() or None
    except ValueError:
        return "malformed"


def _read_page_text(text: str, doc: Document, part: Part) -> None:
    page = segment_page(text)
    info = page.info
    part.drafts, part.teasers = [d for d in page.drafts if _worth_keeping(d)], page.teasers
    if len(part.drafts) < len(page.drafts):
        part.warnings.append(f"{doc.url}: text without heading, lead or 上接 mark left out")
    part.paper, part.date, part.number = page.paper, info.date, info.number
    part.page_count = info.page_count
    part.page = doc.page or info.page or (1 if info.number is not None else None)
    part.page_name = doc.page_name or info.page_name
    part.warnings += [f"{doc.url}: {w}" for w in page.warnings]
    if any(not d.heading.headline for d in part.drafts):
        part.warnings.append(f"{doc.url}: text without a heading kept as an untitled article")


def _worth_keeping(draft: Draft) -> bool:
    """An untitled draft is kept only when it is a continuation or opens with a lead."""
    if draft.heading.headline or draft.continued_from is not None:
        return True
    return bool(draft.paragraphs) and is_lead(draft.paragraphs[0])


def _read_html(text: str, doc: Document, part: Part) -> None:
    root = parse_html(text)
    if root is None:
        part.warnings.append(f"{doc.url}: no HTML to read")
        return
    # The role is obeyed (a source or --role knows better than a guess), except that a
    # "page index" made only of Founder article markup, with no links, is an article.
    if doc.role == "page_index" and not (has_article_markup(root) and not is_index(root)):
        _read_index(root, text, doc, part)
    else:
        _read_article(root, text, doc, part)


def _read_article(root: lxml.html.HtmlElement, text: str, doc: Document, part: Part) -> None:
    reading = read_article_page(root, text, doc.url)
    part.drafts = [d for d in reading.drafts if has_body_text(d)]
    part.date, part.paper = reading.date, reading.paper
    if any(not d.heading.headline for d in part.drafts):
        part.warnings.append(f"{doc.url}: article without a headline")
    if not part.drafts:
        part.warnings.append(f"{doc.url}: no article text found")


def _read_index(root: lxml.html.HtmlElement, text: str, doc: Document, part: Part) -> None:
    index = parse_index(root, text, doc.url)
    part.drafts, part.paper, part.date = index.drafts, index.paper, index.date
    part.page = doc.page or index.page
    part.page_name = doc.page_name or index.page_name
    part.page_label = index.page_label if part.page == index.page else None
    if not part.drafts:
        part.warnings.append(f"{doc.url}: no article links found on the page index")


def html_role(root: lxml.html.HtmlElement, url: str | None = None) -> DocumentRole:
    """Article page or page index, judged by content (see docs/extraction.md, "Roles").

    Article markup (``#main-title``, ``<founder-title>``) or no cluster of article links
    make an article; a page title that is a page label (``01版:头版``) or an image map into
    the article links makes an index; then a body of sentences (not a list of the linked
    stories with their leads) makes an article, and anything else an index.
    """
    if has_article_markup(root):
        return "article_page"
    reading = read_links(root, url)
    articles = {a.url for a in reading.articles}
    if not articles:
        # A list of the pages (a search result, a page menu) is an index too, and so
        # is a page with no text to speak of (an e-paper shell its scripts fill in).
        pages = count_labels(element_text(root)) >= _MIN_INDEX_LINKS
        if not has_article_text(root, short=True):
            return "page_index"
        return "page_index" if pages and not has_article_text(root) else "article_page"
    kind = title_kind(root)
    if kind == "index" or _maps_into(root, url, articles):
        return "page_index"
    # A title naming one story makes a short item (a brief) an article too.
    short = kind == "article"
    return "article_page" if has_article_text(root, articles, url, short=short) else "page_index"


def _maps_into(root: lxml.html.HtmlElement, url: str | None, articles: set[str]) -> bool:
    """True when an image map (the page picture's hot spots) links to the articles."""
    for area in root.iter("area"):
        href = (area.get("href") or "").strip()
        if href and (urljoin(url, href) if url else href).split("#")[0] in articles:
            return True
    return False


_FEED_MARKUP = re.compile(rb"<(?:rss|feed|rdf:RDF)\b", re.I)
_HTML_MARKUP = re.compile(rb"<(?:!doctype html|html|head|body|div|p|table|a|font|founder-)\b", re.I)


def guess_role(body: bytes, url: str | None = None) -> DocumentRole:
    """The role of a document judged from its bytes: feed, article page, page index, page text.

    Usage: ``guess_role(Path("node_01.html").read_bytes()) == "page_index"``
    """
    head = body[: _SNIFF_BYTES * 4]
    if _FEED_MARKUP.search(head[:_SNIFF_BYTES]) and not re.search(rb"<html\b", head, re.I):
        return "feed"
    if not _HTML_MARKUP.search(head):
        return "page_text"
    root = parse_html(decode_bytes(body[:MAX_TEXT_CHARS]))
    return "article_page" if root is None else html_role(root, url)
