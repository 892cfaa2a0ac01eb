"""Article links of an index page found by structure, whatever the e-paper system.

Usage::

    reading = read_links(root, url="http://paper.example.cn/pc/layout/202410/11/node_01.html")
    [(a.url, a.lines, a.label) for a in reading.articles]
    [(p.url, p.label) for p in reading.pages]

An index page lists its articles as a cluster of same-site links that share one URL
*shape* (the URL with every run of digits made alike: ``content_9.htm``, ``con/9/9/c9.html``,
``Articel9NR.htm``, ``nw.D9renmrb_9_9-9.htm``) and whose texts read as headlines. The
cluster with the most headline-like links wins; links of the index's own shape are its
sibling pages, never articles. Page labels printed around the links (``01版：要闻``,
``第A01版：头版``) are remembered in document order, so a whole-issue index that lists
every page with its articles gives each article its own page.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html

from newsbot.extract._html_common import DATE, squash
from newsbot.extract._labels import PageLabel, read_label

_DIGITS = re.compile(r"\d+")
_NOT_PAGES = re.compile(r"\.(?:pdf|jpe?g|png|gif|bmp|zip|rar|docx?|xlsx?|mp[34]|swf|css|js)$", re.I)
_NAV = re.compile(
    r"^(?:前一版|后一版|上一版|下一版|前一期|后一期|上一期|下一期|上一篇|下一篇|首页|返回|返回首页|"
    r"版面导航|标题导航|往期回顾|往期|查看PDF|PDF|下载|放大|缩小|更多|打印|关闭|检索|登录|注册)"
)
_BR_TEXT = re.compile(r"<br\s*/?>", re.I)
_MIN_HEADLINE_CJK = 4
_MIN_SHORT_CJK = 2
# Staff lines of a page list ("编辑：张三"), never articles however short.
_STAFF = re.compile(
    r"^(?:本版)?(?:责任编辑|责编|编辑|校对|美编|美术编辑|图片编辑|审读|组版|值班|主编|制版)"
)
_MAX_HEADLINE_CHARS = 90
# A headline of several decks (引题, 主题, 副题 run together: a Xinhua lead story's) may be
# longer, as long as it has no full stop: a sentence is a lead or a summary, not a title.
_MAX_DECKS_CHARS = 200
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Anchor:
    """One link on an index: absolute URL, its text lines (split at ``<br>``), page label."""

    url: str
    lines: tuple[str, ...]
    label: PageLabel | None = None

    @property
    def text(self) -> str:
        """The link text as one line."""
        return " ".join(self.lines)


@dataclass
class LinkReading:
    """What the links of an index say: its articles, its sibling pages, whole issue or not."""

    articles: list[Anchor] = field(default_factory=list)
    pages: list[Anchor] = field(default_factory=list)
    labels: list[PageLabel] = field(default_factory=list)

    @property
    def whole_issue(self) -> bool:
        """True when the articles sit under two or more page labels (one index, many pages)."""
        return len({a.label.label for a in self.articles if a.label}) >= 2


def url_shape(url: str) -> str:
    """The path of ``url`` with every digit run made alike: what links of one kind share."""
    parts = urlsplit(url)
    return parts.netloc.lower() + _DIGITS.sub("9", parts.path)


def _href(element: lxml.html.HtmlElement) -> str:
    # mrdx-style indexes keep the target in a "daoxiang" attribute and script the click.
    return (element.get("href") or element.get("daoxiang") or "").strip()


def _lines(element: lxml.html.HtmlElement) -> tuple[str, ...]:
    """The text of a link, one item per line set with ``<br>``."""
    chunks: list[str] = []
    _collect(element, chunks)
    lines = tuple(t for t in (squash(x) for x in "".join(chunks).split("\n")) if t)
    if not lines and (title := element.get("title")):
        # Image-map links carry the title in an attribute, <br/> written out as text.
        return tuple(t for t in (squash(x) for x in _BR_TEXT.split(title)) if t)
    return lines


def _collect(node: lxml.html.HtmlElement, chunks: list[str]) -> None:
    if node.tag == "br":
        chunks.append("\n")
    elif isinstance(node.tag, str) and node.text:
        chunks.append(node.text)
    for child in node:
        _collect(child, chunks)
        if child.tail:
            chunks.append(child.tail)


def _target(href: str, base: str | None) -> str | None:
    if not href or href.startswith(("javascript:", "#", "mailto:", "tel:")):
        return None
    url = (urljoin(base, href) if base else href).split("#")[0]
    return None if _NOT_PAGES.search(url.split("?")[0]) else url


def _walk(root: lxml.html.HtmlElement, base: str | None) -> tuple[list[Anchor], list[PageLabel]]:
    """Every link in document order with the page label in force where it sits."""
    anchors: list[Anchor] = []
    labels: list[PageLabel] = []
    current: PageLabel | None = None
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in ("a", "area"):
            target = _target(_href(element), base)
            lines = _lines(element)
            label = read_label(" ".join(lines)) if lines else None
            if label is not None:
                current = label
                labels.append(label)
            if target:
                anchors.append(Anchor(target, lines, current if label is None else label))
            continue
        if element.xpath("ancestor::a"):
            continue
        for text in (element.text, element.tail):
            if text and (label := read_label(squash(text))) is not None:
                current = label
                labels.append(label)
    return anchors, labels


def is_headline(text: str) -> bool:
    """True for link text that reads as a headline (not a page label, a date or navigation)."""
    if len(_CJK.findall(text)) < _MIN_HEADLINE_CJK or not _title_length(text):
        return False
    if read_label(text) is not None or _NAV.match(text):
        return False
    return not (DATE.search(text) and len(DATE.sub("", text).strip()) < _MIN_HEADLINE_CJK)


def _title_length(text: str) -> bool:
    """True for text of a title's length: one deck, or several decks without a full stop."""
    return len(text) <= _MAX_HEADLINE_CHARS or (len(text) <= _MAX_DECKS_CHARS and "。" not in text)


def read_links(root: lxml.html.HtmlElement, url: str | None) -> LinkReading:
    """The article links (best same-shape cluster) and the page links of an index page."""
    anchors, labels = _walk(root, url)
    own_host = urlsplit(url).netloc.lower() if url else ""
    own_shape = url_shape(url) if url else None
    groups: dict[str, list[Anchor]] = defaultdict(list)
    for anchor in anchors:
        host = urlsplit(anchor.url).netloc.lower()
        if own_host and host and host != own_host:
            continue
        groups[url_shape(anchor.url)].append(anchor)
    reading = LinkReading(labels=labels)
    best_score, best = 0, ""
    for shape, members in groups.items():
        if shape == own_shape:
            continue
        score = len({a.url for a in members if is_headline(a.text)})
        if score > best_score:
            best_score, best = score, shape
    if best:
        reading.articles = _merge(groups[best])
    reading.pages = _pages(anchors, own_shape)
    return reading


def _pages(anchors: list[Anchor], own_shape: str | None) -> list[Anchor]:
    """The issue's page links: those printing a page label, and those of the index's own
    URL shape (``node_02.html`` beside ``node_01.html``) unless they are navigation."""
    pages: dict[str, Anchor] = {}
    for anchor in anchors:
        labelled = read_label(anchor.text) is not None
        sibling = own_shape is not None and url_shape(anchor.url) == own_shape
        if not (labelled or sibling) or (not labelled and _NAV.match(anchor.text)):
            continue
        have = pages.get(anchor.url)
        if have is None or (labelled and read_label(have.text) is None):
            pages[anchor.url] = anchor
    return list(pages.values())


def _merge(members: list[Anchor]) -> list[Anchor]:
    """One anchor per URL: the first that reads as a headline (image maps have no text)."""
    chosen: dict[str, Anchor] = {}
    for anchor in members:
        have = chosen.get(anchor.url)
        if have is None or (not is_headline(have.text) and is_headline(anchor.text)):
            label = anchor.label or (have.label if have else None)
            chosen[anchor.url] = Anchor(anchor.url, anchor.lines, label)
    # Inside the chosen cluster a short title is still a title ("公 告", "公 示").
    return [a for a in chosen.values() if _short_title(a.text)]


def _short_title(text: str) -> bool:
    if is_headline(text):
        return True
    short = len(_CJK.findall(text)) >= _MIN_SHORT_CJK and _title_length(text)
    plain = not (_NAV.match(text) or _STAFF.match(text) or DATE.search(text))
    return short and plain and read_label(text) is None


def own_label(reading: LinkReading, url: str | None) -> PageLabel | None:
    """The label of the page-list link that points to the index itself, if any."""
    if not url:
        return None
    own = url.split("#")[0]
    return next((a.label for a in reading.pages if a.url == own and a.label), None)
