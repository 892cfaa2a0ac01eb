"""Pure reading of e-paper pages: decode bytes, select links, read Founder's period.xml.

No network here: every function takes bytes and a base URL, so each preset is tested on
real pages kept as fixtures. Usage::

    index = parse_index(body, url, selectors, charset="gbk")
    index.pages      # (Link(url, text), ...) of the other pages of the issue
    index.articles   # (Link(url, text), ...) of this page's articles, skips removed
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urldefrag, urljoin

from lxml import etree
from lxml import html as lxml_html
from pydantic import BaseModel

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"第?\s*([0-9]{1,3})\s*[版Bb]|^\s*([A-Za-z]?[0-9]{1,3})\s*[：:\s]")
_NODE_NUMBER = re.compile(r"(?:node_|_)(\d{1,3})\.html?$")
_PERIOD_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
# GB2312 and GBK pages often carry GB18030 characters; the superset decodes them all.
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}


class Selectors(BaseModel, frozen=True, extra="forbid"):
    """Where an e-paper page keeps its links: CSS selectors, or XPath starting with ``/``.

    ``pages``: links to every page of the issue; ``articles``: this page's articles;
    ``pdf``: this page's PDF; ``skip_titles``: list entries that are not articles.
    """

    pages: str
    articles: str
    pdf: str | None = None
    skip_titles: tuple[str, ...] = ("本版责编", "责任编辑", "责编", "版面导航")


@dataclass(frozen=True)
class Link:
    """A link found on a page: absolute URL (fragment removed) and its text."""

    url: str
    text: str


@dataclass(frozen=True)
class PageIndex:
    """What one page index offers: the issue's pages, this page's articles and PDF."""

    pages: tuple[Link, ...]
    articles: tuple[Link, ...]
    pdf: str | None
    link_count: int
    text_chars: int


def declared_charset(body: bytes, header_charset: str | None) -> str | None:
    """The charset the server declared, in the header or else in a ``<meta>`` tag."""
    if header_charset:
        return header_charset.lower()
    found = _META_CHARSET.search(body[:4096])
    return found.group(1).decode("ascii").lower() if found else None


def decode_html(body: bytes, charset: str | None) -> str:
    """Text of a page: the declared charset if it decodes, else UTF-8, else GB18030."""
    candidates = [charset] if charset else []
    candidates += ["utf-8", "gb18030"]
    for declared in candidates:
        name = _CHARSET_ALIASES.get(declared, declared)
        try:
            return body.decode(name).lstrip("\ufeff")
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("gb18030", errors="replace")


def _select(tree: lxml_html.HtmlElement, selector: str) -> list[lxml_html.HtmlElement]:
    if selector.startswith(("/", "(")):
        found = tree.xpath(selector)
        items = found if isinstance(found, list) else []
        return [e for e in items if isinstance(e, lxml_html.HtmlElement)]
    return list(tree.cssselect(selector))


def _links(tree: lxml_html.HtmlElement, selector: str, base_url: str) -> tuple[Link, ...]:
    if not selector:
        return ()  # the generic preset finds its links by structure instead
    seen: dict[str, Link] = {}
    for element in _select(tree, selector):
        href = (element.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        url = urldefrag(urljoin(base_url, href)).url
        text = " ".join(element.text_content().split())
        if url not in seen:
            seen[url] = Link(url=url, text=text)
    return tuple(seen.values())


def parse_index(
    body: bytes, base_url: str, selectors: Selectors, *, charset: str | None = None
) -> PageIndex:
    """Read one page index: its page links, article links (skips removed) and PDF link."""
    text = decode_html(body, declared_charset(body, charset))
    if not text.strip():
        return PageIndex((), (), None, 0, 0)
    tree: lxml_html.HtmlElement = lxml_html.document_fromstring(text)
    articles = tuple(
        link
        for link in _links(tree, selectors.articles, base_url)
        if not any(skip in link.text for skip in selectors.skip_titles)
    )
    pdfs = _links(tree, selectors.pdf, base_url) if selectors.pdf else ()
    for bad in _select(tree, "//script|//style"):
        bad.drop_tree()
    visible = len("".join(str(tree.text_content()).split()))
    return PageIndex(
        pages=_links(tree, selectors.pages, base_url),
        articles=articles,
        pdf=pdfs[0].url if pdfs else None,
        link_count=len(_select(tree, "//a[@href]")),
        text_chars=visible,
    )


def page_number(link: Link, position: int) -> int:
    """The number a page link names (``第05版``, ``node_05.html``), else its position."""
    found = _PAGE_NUMBER.search(link.text)
    if found:
        digits = re.sub(r"\D", "", found.group(1) or found.group(2))
        if digits:
            return int(digits)
    node = _NODE_NUMBER.search(link.url)
    return int(node.group(1)) if node else position


def page_name(link: Link) -> str | None:
    """The page's name without its number: ``第01版：要闻`` gives ``要闻``."""
    name = re.sub(r"^\s*第?\s*[A-Za-z]?\d{1,3}\s*版?\s*[：:]?\s*", "", link.text).strip()
    return name or None


def period_dates(body: bytes) -> set[date]:
    """The issue dates listed in a Founder ``period.xml`` (``<period_date>``)."""
    try:
        root = etree.fromstring(
            body, parser=etree.XMLParser(resolve_entities=False, no_network=True)
        )
    except etree.XMLSyntaxError:
        return set()
    found = set()
    for element in root.iter("period_date"):
        match = _PERIOD_DATE.search(element.text or "")
        if match:
            try:
                found.add(date(int(match[1]), int(match[2]), int(match[3])))
            except ValueError:
                continue
    return found


def meta_refresh_target(body: bytes, base_url: str) -> str | None:
    """Where a ``<meta http-equiv="refresh">`` page sends the reader (``paperindex.htm``)."""
    found = re.search(
        rb"""<meta[^>]+http-equiv=["']?refresh["']?[^>]*content=["']?\s*\d*\s*;?\s*url=([^"'>\s]+)""",
        body[:8192],
        re.IGNORECASE,
    )
    if not found:
        return None
    target: str = found.group(1).decode("ascii", errors="ignore")
    return urljoin(base_url, target)
