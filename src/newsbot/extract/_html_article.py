"""E-paper article pages (and fragments of them) to article drafts.

Usage::

    reading = read_article_page(root, raw_text, url="http://…/content_211250.html")
    reading.drafts, reading.date, reading.paper

Templates first (fast paths):

* Founder "pc/pad": ``#intro-title``, ``#main-title``, ``#sub-title``, ``#author``,
  ``p#nowLayout`` (page), body in ``<founder-content>``; a file may hold many fragments.
* Founder classic: ``<founder-title>``, ``<founder-author>``, ``<founder-content>``, or the
  ``td.font01``/``td.font02`` title cells and a ``<founder-*>`` comment after ``</html>``.
* People's Daily and others: the ``enpproperty`` comment (title, introtitle, subtitle,
  author, url), body in ``#ozoom`` or ``div.article``.

Then any other page by content: the body found by text density (``_html_body``), the
heading around the page's ``<h1>`` (``_html_heading``), facts from ``<meta>`` and printed
dates and page labels (``_page_facts``, ``_labels``); paragraphs, captions and bylines are
read by ``_html_paragraphs``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urljoin

import lxml.html

from newsbot._validate import web_link
from newsbot.extract._byline import field_byline
from newsbot.extract._draft import Draft
from newsbot.extract._headline import Heading
from newsbot.extract._html_body import find_body, strip_chrome
from newsbot.extract._html_common import (
    DATE,
    element_text,
    enpproperty,
    find_date,
    first,
    squash,
)
from newsbot.extract._html_heading import (
    author_element,
    header_text,
    headline_element,
    side_heading,
)
from newsbot.extract._html_paragraphs import fill_body, paragraphs
from newsbot.extract._labels import PageLabel, find_label_field, read_label
from newsbot.extract._page_facts import (
    labelled_datetime,
    page_facts,
    paper_name,
    printed_datetime,
)
from newsbot.extract._text import cn_number

_CONTENT = (
    ".//founder-content | .//*[@id='ozoom'] | .//*[@id='content'] | .//*[@id='articleContent']"
    " | .//div[contains(@class,'article-content')]"
)
# Founder classic indexes embed the lead story's <founder-content>: only titles are markup.
_MARKUP = "//founder-title | //*[@id='main-title']"
_COPYRIGHT = re.compile(
    r"([\u4e00-\u9fff]{2,10}?(?:网|报社|报))\s*版权所有"
    r"|版权所有\s*[:：©]?\s*([\u4e00-\u9fff]{2,10}?(?:网|报社|报))"
)
_FOOTER_CHARS = 3000
_PRINTED_CHARS = 20000  # dates and page labels are printed near the top of a page
_SOURCE_DATE = re.compile(r"》\s*[（(]?\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)")
_SOURCE = re.compile(r"《[^》]{1,20}》\s*[（(]?[^）)]{0,40}[）)]?\s*$")
_MIN_UNTITLED_CJK = 60
_MIN_UNTITLED_SENTENCES = 2
_MIN_KNOWN_BODY_CHARS = 20
_MIN_ARTICLE_CJK = 150
_MIN_ARTICLE_SENTENCES = 3
_MIN_BRIEF_CJK = 40
_MAX_BODY_LINKS = 3
# "2016年10月14日07:17", "2018-10-14 07:57:57": a date with a time of day is a dateline.
_TIMED_DATE = re.compile(
    r"\d{4}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}\s*日?\s*\d{1,2}[:：]\d{2}"
)


def article_drafts(
    root: lxml.html.HtmlElement, url: str | None, facts: dict[str, str]
) -> list[Draft]:
    """Every article on an article page (several for fragment collections); ``facts`` are
    the page's :func:`page_facts`."""
    drafts = [_founder_pc(title, url) for title in root.xpath("//*[@id='main-title']")]
    if drafts:
        return drafts
    return [_single(root, url, facts)]


def _container(title: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The nearest ancestor of a title that also holds the article body."""
    found = title.xpath(
        "ancestor::*[.//founder-content or .//*[@id='content'] or .//*[@id='ozoom']][1]"
    )
    if found:
        return found[0]
    parent = title.getparent()
    return parent if parent is not None else title


def _founder_pc(title: lxml.html.HtmlElement, url: str | None) -> Draft:
    box = _container(title)
    props = enpproperty(box)
    heading = Heading(
        headline=element_text(title) or props.get("title", ""),
        kicker=element_text(first(box, ".//*[@id='intro-title']")) or None,
        subtitle=element_text(first(box, ".//*[@id='sub-title']")) or None,
    )
    draft = Draft(heading=heading, url=_article_url(props.get("url"), url))
    draft.page = cn_number(element_text(first(box, ".//*[@id='nowLayout']")) or "x")
    author = element_text(first(box, ".//*[@id='author']"))
    if author and not DATE.search(author):
        draft.set_byline(author)
    body = first(box, ".//founder-content")
    if body is None:
        body = first(box, _CONTENT)
    else:
        # Founder pc sets the photos and their captions above <founder-content>.
        photo_xpath = ".//*[@id='content']//p[not(ancestor::founder-content)]"
        draft.captions += [t for t in map(element_text, box.xpath(photo_xpath)) if t]
    fill_body(draft, paragraphs(body))
    return draft


def _article_url(claimed: str | None, page_url: str | None) -> str | None:
    """The URL a page gives its article (resolved against the page's own) when that is an
    http(s) link; else the page's own URL (a hostile page's ``javascript:`` is no address)."""
    if claimed and page_url:
        try:
            claimed = urljoin(page_url, claimed.strip())
        except ValueError:
            claimed = None
    return web_link(claimed) or page_url


def article_date(root: lxml.html.HtmlElement, facts: dict[str, str]) -> date | None:
    """The issue date an article page prints (``#author``, enpproperty/founder ``date``)."""
    texts = [element_text(first(root, "//*[@id='author']")), facts.get("date", "")]
    return next((found for text in texts if (found := find_date(text))), None)


def _single(root: lxml.html.HtmlElement, url: str | None, facts: dict[str, str]) -> Draft:
    article = first(root, "//div[contains(@class,'article')]")
    scope = article if article is not None else root
    title_el = headline_element(root, scope, facts)
    headline = (
        element_text(first(root, "//founder-title"))
        or facts.get("title")
        or facts.get("cell-title")
        or element_text(title_el)
        or facts.get("og-title")
        or ""
    )
    heading = Heading(
        headline=headline,
        kicker=side_heading(root, "introtitle", facts, scope, title_el, before=True),
        subtitle=side_heading(root, "subtitle", facts, scope, title_el, before=False),
    )
    draft = Draft(heading=heading, url=_article_url(facts.get("url"), url))
    _page_of(draft, facts)
    author = (
        element_text(first(root, "//founder-author"))
        or facts.get("author")
        or _without_source(element_text(first(scope, ".//p[@class='sec']")))
    )
    if author and not DATE.search(author):
        draft.set_byline(author)
    if (header := field_byline(header_text(title_el))) is not None:
        draft.set_byline(header)
    if (marked := author_element(scope)) is not None:
        draft.set_byline(marked)
    body = _body(root)
    fill_body(draft, paragraphs(body))
    return draft


def _without_source(text: str) -> str:
    """A byline line without the source and date set after it (People's Daily ``p.sec``:
    "本报记者 张三 《人民日报》（2024年05月20日 第 01 版）")."""
    text = _SOURCE.sub("", text)
    return "" if DATE.search(text) else text.strip()


def _body(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The known body element when it holds text, else the body found by content."""
    content = first(root, _CONTENT)
    if content is not None and content.tag == "founder-content":
        return content
    if content is not None and len(element_text(content)) >= _MIN_KNOWN_BODY_CHARS:
        strip_chrome(content)
        return content
    found = find_body(root)
    if found is None:
        return content if content is not None else root
    strip_chrome(found)
    return found


def _page_of(draft: Draft, props: dict[str, str]) -> None:
    """Page number and name from enpproperty ``pagenum``/``nodename`` ("第01版：要闻")."""
    name = props.get("nodename") or props.get("pagename") or ""
    label = read_label(name)
    if label is not None:
        draft.page, draft.page_label, name = label.number, label.label, label.name or ""
    if number := props.get("pagenum") or props.get("meta-pagenum"):
        printed = read_label(number if "版" in number else f"{number}版")
        if printed is not None and draft.page is None:
            draft.page, draft.page_label = printed.number, printed.label
    draft.page_name = name or None


@dataclass
class ArticleReading:
    """What an article page gives: its drafts and the facts of its issue."""

    drafts: list[Draft]
    date: date | None
    paper: str | None


def read_article_page(root: lxml.html.HtmlElement, raw: str, url: str | None) -> ArticleReading:
    """The articles of an article page with the date and paper it prints."""
    facts = page_facts(root, raw)
    body = root.find("body")
    text = element_text(body if body is not None else root)  # the page's text, read once
    when, moment = _page_date(root, facts, text[:_PRINTED_CHARS])
    paper = paper_name(element_text(first(root, "//title")))
    paper = facts.get("papername") or paper or _site_paper(facts) or _copyright_owner(text)
    drafts = article_drafts(root, url, facts)
    printed = _printed_label(root)  # after the drafts: their body is stripped of chrome
    for draft in drafts:
        draft.published_at = draft.published_at or moment
        if printed is not None and len(drafts) == 1:
            # The page's own "第06版" wins over <meta name=PageNumber> and enpproperty.
            draft.page, draft.page_label = printed.number, printed.label
            draft.page_name = printed.name or draft.page_name
    return ArticleReading(drafts=drafts, date=when, paper=paper)


def _printed_label(root: lxml.html.HtmlElement) -> PageLabel | None:
    """A page label printed on an article page: ``版次：A02`` or a ``第06版：要闻`` line."""
    body = root.find("body")
    text = element_text(body if body is not None else root)[:_PRINTED_CHARS]
    if (field := find_label_field(text)) is not None:
        return field
    for element in root.xpath("//body//*[not(ancestor-or-self::a)][contains(text(),'版')]"):
        own = squash(element.text)
        if own and (label := read_label(own)) is not None:
            return label
    return None


def _copyright_owner(text: str) -> str | None:
    """The site named in the footer's copyright line ("光明网版权所有", "版权所有：某某日报社")
    at the end of the page's ``text``."""
    found = _COPYRIGHT.search(text[-_FOOTER_CHARS:])
    if found is None:
        return None
    name = found.group(1) or found.group(2)
    return name[:-1] if name.endswith("报社") else name


def _site_paper(facts: dict[str, str]) -> str | None:
    return paper_name(facts.get("site", ""))


def _page_date(
    root: lxml.html.HtmlElement, facts: dict[str, str], text: str
) -> tuple[date | None, datetime | None]:
    """The date (and time) an article page prints: Founder fields, meta tags, a labelled
    ``发布日期：…`` line, the source line of a paper's article (``《人民日报》（2026年08月03日``),
    else a date with a time of day (in the page's ``text``)."""
    found = article_date(root, facts)
    when, moment = printed_datetime(facts.get("meta-date", ""))
    if found is not None:
        return found, moment if when == found else None
    if when is not None:
        return when, moment
    when, moment = labelled_datetime(text)
    if when is not None:
        return when, moment
    if source := _SOURCE_DATE.search(text):  # "《人民日报》（2026年08月03日 第 04 版）"
        return printed_datetime(source.group(1))[0], None
    timed = _TIMED_DATE.search(text)
    return printed_datetime(timed.group(0)) if timed else (None, None)


def has_article_text(
    root: lxml.html.HtmlElement,
    linked: set[str] | None = None,
    url: str | None = None,
    *,
    short: bool = False,
) -> bool:
    """True when the page holds an article's worth of sentences outside links (a brief's,
    with ``short``), in a body that is not a list of the ``linked`` stories and leads."""
    body = find_body(root)
    if body is None:
        return False
    if linked:
        hrefs = {
            (urljoin(url, h) if url else h).split("#")[0]
            for h in (a.get("href") or "" for a in body.iter("a"))
        }
        if len(hrefs & linked) >= _MAX_BODY_LINKS:
            return False  # a list of stories with their leads, not one story
    text = "".join(t for t in body.xpath(".//text()[not(ancestor::a)]") if isinstance(t, str))
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    if short:
        return cjk >= _MIN_BRIEF_CJK and "。" in text
    return cjk >= _MIN_ARTICLE_CJK and text.count("。") >= _MIN_ARTICLE_SENTENCES


def has_article_markup(root: lxml.html.HtmlElement) -> bool:
    """True when the page carries article markup (a title or body element of a known system)."""
    return bool(root.xpath(_MARKUP))


def has_body_text(draft: Draft) -> bool:
    """True when a draft holds real text (not an empty shell from a blocked page): a
    headline, or, untitled, sentences enough to be an article rather than a page's chrome."""
    if draft.heading.headline:
        return True
    cjk = sum(1 for p in draft.paragraphs for ch in p if "\u4e00" <= ch <= "\u9fff")
    sentences = sum(p.count("。") for p in draft.paragraphs)
    return cjk >= _MIN_UNTITLED_CJK and sentences >= _MIN_UNTITLED_SENTENCES
