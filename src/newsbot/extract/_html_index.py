"""E-paper page indexes (layout pages) to the page's number, name and article list.

Usage::

    index = parse_index(root, raw_text, url="http://…/layout/202305/16/node_01.html")
    index.page, index.page_name, [(d.heading.headline, d.url) for d in index.drafts]

Article links are first recognised by the URL shapes of the common systems (the fast
path): Founder ``content_N.htm(l)`` and People's Daily ``nw.D110000renmrb_YYYYMMDD_i-NN.htm``;
when none is there, by structure (``_links``: the same-shape link cluster, page labels in
document order, whole-issue indexes). The same article is usually linked twice (image map
and title list): the first link with text wins. Non-articles such as ``本版责编：…`` are
skipped. The page number and name come from the ``enpproperty`` page fields, the page-list
link to this very page, the printed "第01版：今日要闻", a page image's caption or <title>.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urljoin

import lxml.html

from newsbot.extract._draft import Draft
from newsbot.extract._headline import Heading
from newsbot.extract._html_common import (
    element_text,
    find_date,
    match_date,
    properties,
    squash,
)
from newsbot.extract._labels import find_label_field, read_label
from newsbot.extract._links import read_links
from newsbot.extract._page_facts import TITLE_SPLIT, paper_name
from newsbot.extract._text import cn_number

# The file name of an article page: Founder content_N.htm(l), People's Daily nw.D…_YYYYMMDD_i-NN.htm.
ARTICLE_LINK = r"content_\d+\.s?html?|nw\.D\w{1,30}?_\d{8}_\d+-\d+\.htm"
_ARTICLE_HREF = re.compile(rf"(?:^|/)(?:{ARTICLE_LINK})(?:[?#]|$)")
_PAGE_HREF = re.compile(r"(?:^|/)(?:node_\d+\.s?html?|nbs\.D\w{1,30}?_\d+\.htm)(?:[?#]|$)")
_NODE_NUMBER = re.compile(r"node_(\d+)\.")
# An issue's folder: /202305/16/, /2023-05/16/, /20230516/, /2023-05-16/, /2023/05/16/.
_PATH_DATE = re.compile(r"/(\d{4})[-/]?(\d{2})[-/]?(\d{2})(?=/)")
_CRAWLER_PREFIX = re.compile(r"^\[(\d{8})第(\d{1,3})版[:：]([^\]]{0,20})\]\s*")
_NON_ARTICLE = re.compile(
    r"^(?:本版责编|责任编辑|责编|[一二三四五六七八九十]+版责编|版面编辑|图片编辑)"
)
_MIN_GENERIC_ARTICLES = 2
_MAX_NODE_NAME = 12
_IMAGE_DATE = re.compile(r"日期\s*[:：]\s*(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
_TITLE_PARTS = re.compile(r"\s*[-_|｜—]+\s*")
_TITLE_PAGE = re.compile(r"[0-9A-Za-z一二三四五六七八九十]\s*版\s*[:：]|版面导航|版面图")
_PLATFORM = re.compile(r"报|数字|电子|平台|版|网|首页|新闻中心|频道")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_MIN_TITLE_HEADLINE_CJK = 6


@dataclass
class Index:
    """What a page index says about its page."""

    drafts: list[Draft] = field(default_factory=list)
    page: int | None = None
    page_name: str | None = None
    page_label: str | None = None
    paper: str | None = None
    date: date | None = None


def is_index(root: lxml.html.HtmlElement, url: str | None = None) -> bool:
    """True when the page links to article pages: known URL shapes, else a link cluster."""
    if any(_ARTICLE_HREF.search(a.get("href") or "") for a in root.iter("a", "area")):
        return True
    return len(read_links(root, url).articles) >= _MIN_GENERIC_ARTICLES


def parse_index(root: lxml.html.HtmlElement, raw: str, url: str | None) -> Index:
    """Page number, page name, paper, date and the linked articles of a page index."""
    index = Index()
    _page_from_properties(index, raw)
    _page_from_labels(index, root, url)
    index.paper = index.paper or page_paper(root)
    index.date = index.date or _url_date(url) or _first_date(root) or _image_date(root)
    seen: dict[str, Draft] = {}
    for link in root.iter("a", "area"):
        href = (link.get("href") or "").strip()
        if not _ARTICLE_HREF.search(href):
            continue
        target = (urljoin(url, href) if url else href).split("?")[0].split("#")[0]
        text = element_text(link) or squash(link.get("title"))
        if _CRAWLER_PREFIX.match(text) or not _other_issue(target, index.date):
            _add_entry(index, seen, target, text)
    index.drafts = [d for d in seen.values() if d.heading.headline]
    if not index.drafts:
        _generic_entries(index, root, url)
    return index


def _generic_entries(index: Index, root: lxml.html.HtmlElement, url: str | None) -> None:
    """Articles found by link structure when no known URL shape matched."""
    reading = read_links(root, url)
    whole = reading.whole_issue
    for anchor in reading.articles:
        if _other_issue(anchor.url, index.date) or _NON_ARTICLE.match(anchor.text):
            continue
        # A title set over two lines (<br>) is one headline: list boxes wrap long titles.
        heading = Heading(headline=anchor.text)
        draft = Draft(heading, page=index.page, page_name=index.page_name, url=anchor.url)
        draft.page_label = index.page_label
        if whole and anchor.label is not None:
            draft.page, draft.page_name = anchor.label.number, anchor.label.name
            draft.page_label = anchor.label.label
        index.drafts.append(draft)


def _url_date(url: str | None) -> date | None:
    path = (url or "").split("?")[0]
    return next(filter(None, map(match_date, _PATH_DATE.finditer(path))), None)


def _other_issue(target: str, issue_date: date | None) -> bool:
    """True for a link into another day's folder: site furniture, not this page's articles."""
    linked = _url_date(target)
    return issue_date is not None and linked is not None and linked != issue_date


def _add_entry(index: Index, seen: dict[str, Draft], target: str, text: str) -> None:
    page, page_name = index.page, index.page_name
    if prefix := _CRAWLER_PREFIX.match(text):  # "[20220722第01版:要闻] 标题"
        text = text[prefix.end() :]
        page, page_name = int(prefix.group(2)), prefix.group(3).strip() or None
        digits = prefix.group(1)
        index.date = index.date or date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    if _NON_ARTICLE.match(text):
        return
    draft = seen.get(target)
    if draft is None:
        seen[target] = Draft(Heading(headline=text), page=page, page_name=page_name, url=target)
    elif not draft.heading.headline and text:
        draft.heading = Heading(headline=text)


def _page_from_properties(index: Index, raw: str) -> None:
    start = raw.rfind("<!--enpproperty")
    if start < 0:
        return
    props = properties(raw[start : start + 4000])
    if number := props.get("founder-pagenum"):
        index.page = cn_number(number)
    index.paper = props.get("founder-papername") or None
    index.date = find_date(props.get("founder-date", ""))


def _page_from_labels(index: Index, root: lxml.html.HtmlElement, url: str | None) -> None:
    """The page of an index. Its number: the enpproperty page field, else the page-list
    link to this very page ("第02版：综合" → node_3.htm), else a printed "第01版：今日要闻",
    a page image's caption or the <title>. Its name: that link's, else the printed label
    of the same number, else the first printed label."""
    from_properties = index.page
    own = _page_from_own_link(index, root, url)
    if from_properties is not None:
        index.page = from_properties
    if own and index.page_name:
        return
    printed = [
        label
        for element in root.xpath("//body//*[not(ancestor-or-self::a)][contains(text(),'版')]")
        if (label := read_label(element_text(element))) is not None and label.name
    ]
    if printed:
        same = [label for label in printed if label.number == index.page]
        label = (same or printed)[0]
        if index.page is None or label.number == index.page:
            _set_page(index, label.number, label.name, label.label)
        else:
            index.page_name = label.name
        return
    _page_from_own_node(index, root, url)
    if index.page is not None:
        return
    for value in root.xpath("//img/@title | //img/@alt"):
        # The page image's caption: "报名：福州日报 版次：第001版：版名：要闻 日期：20240822".
        if (field := find_label_field(str(value))) is not None:
            _set_page(index, field.number, field.name, field.label)
            return
    for segment in _TITLE_PARTS.split(element_text(first_title(root))):
        if label := read_label(segment):  # <title>桂林日报-01版:头版-2024年10月11日</title>
            _set_page(index, label.number, label.name, label.label)
            return


def _page_from_own_link(index: Index, root: lxml.html.HtmlElement, url: str | None) -> bool:
    """The page-list link to this very page names it ("第1版 要闻" → node_01.html)."""
    for link in _own_links(root, url):
        if label := read_label(element_text(link)):
            _set_page(index, label.number, label.name, label.label)
            return True
    return False


def _page_from_own_node(index: Index, root: lxml.html.HtmlElement, url: str | None) -> None:
    """Last resort: a page-list link "要闻" to this very node_01.html gives page 1, 要闻."""
    for link in _own_links(root, url):
        href, text = link.get("href") or "", element_text(link)
        number = _NODE_NUMBER.search(href)
        if text and len(text) <= _MAX_NODE_NAME and _PAGE_HREF.search(href) and number:
            index.page = index.page or int(number.group(1))
            index.page_name = text
            return


def _own_links(root: lxml.html.HtmlElement, url: str | None) -> list[lxml.html.HtmlElement]:
    """Links to this very page (not the same file name of another day: ../21/node_1.htm)."""
    if not url:
        return []
    own = url.split("?")[0].split("#")[0]
    found = []
    for link in root.iter("a"):
        href = (link.get("href") or "").split("?")[0].split("#")[0]
        if href and urljoin(url, href) == own:
            found.append(link)
    return found


def _set_page(index: Index, number: int, name: str | None, label: str) -> None:
    index.page, index.page_label = number, label
    index.page_name = name or index.page_name


def first_title(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The page's <title> element, if any."""
    titles = root.xpath("//title")
    return titles[0] if titles else None


def page_paper(root: lxml.html.HtmlElement) -> str | None:
    """The paper's name from the page <title> ("科技日报--数字报" → 科技日报), if there."""
    titles = root.xpath("//title")
    return paper_name(element_text(titles[0])) if titles else None


def title_kind(root: lxml.html.HtmlElement) -> str:
    """What the page <title> names: "index" (a page label), "article" (one story's
    headline) or "neutral" (the paper or site only)."""
    titles = root.xpath("//title")
    title = element_text(titles[0]) if titles else ""
    if _TITLE_PAGE.search(title):
        return "index"
    for segment in TITLE_SPLIT.split(title):
        cjk = len(_CJK.findall(segment))
        if cjk >= _MIN_TITLE_HEADLINE_CJK and not _PLATFORM.search(segment):
            return "article"
    return "neutral"


def _image_date(root: lxml.html.HtmlElement) -> date | None:
    """The date in the page image's caption ("报名：福州日报 版次：… 日期：20240822")."""
    for value in root.xpath("//img/@title | //img/@alt"):
        if found := _IMAGE_DATE.search(str(value)):
            return match_date(found)
    return None


def _first_date(root: lxml.html.HtmlElement) -> date | None:
    body = root.find("body")
    return find_date(element_text(body if body is not None else root)[:20000])
