"""E-paper article pages (and fragments of them) to article drafts.

Usage::

    drafts = article_drafts(root, url="http://…/content_211250.html")
    issue_date = article_date(root)

Handled layouts, all Founder-derived:

* Founder "pc/pad": ``#intro-title``, ``#main-title``, ``#sub-title``, ``#author``,
  ``p#nowLayout`` (page), body in ``<founder-content>``; a file may hold many fragments.
* Founder classic: ``<founder-title>``, ``<founder-author>``, ``<founder-content>``.
* People's Daily and others: the ``enpproperty`` comment (title, introtitle, subtitle,
  author, url), body in ``#ozoom`` or ``div.article``.
* Anything else with paragraphs: the paragraphs, with no headline (a warning says so).

In the body, a first paragraph that is only a byline ("□ 湖北日报评论员", "湖北日报全媒记者
左晨") becomes the byline, as does a closing "（布琳  张伟杰）"; short lines right after a
photo are its caption, with the credit "（布琳摄）" kept on the caption.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urljoin

import lxml.html

from newsbot.extract._byline import (
    field_byline,
    is_byline_text,
    is_trailing_byline,
    split_lead,
)
from newsbot.extract._draft import Draft
from newsbot.extract._headline import Heading
from newsbot.extract._html_body import find_body, is_chrome_text, strip_chrome
from newsbot.extract._html_common import (
    DATE,
    element_text,
    enpproperty,
    find_date,
    first,
    squash,
)
from newsbot.extract._labels import PageLabel, find_label_field, read_label
from newsbot.extract._page_facts import (
    labelled_datetime,
    page_facts,
    paper_name,
    printed_datetime,
)
from newsbot.extract._text import PHOTO_CREDIT_END, cn_number, has_clause_punct

_CONTENT = (
    ".//founder-content | .//*[@id='ozoom'] | .//*[@id='content'] | .//*[@id='articleContent']"
    " | .//div[contains(@class,'article-content')]"
)
# Founder classic indexes embed the lead story's <founder-content>: only titles are markup.
_MARKUP = "//founder-title | //*[@id='main-title']"
_CREDIT = re.compile(r"^[（(][^）)]{1,40}摄[）)]$|^[^，。]{2,30}\s摄$")
_MAX_CAPTION_CHARS = 100
_MIN_BODY_CJK = 10
_MIN_KNOWN_BODY_CHARS = 20
_MAX_HEADLINE_CHARS = 80
_MIN_TITLE_MATCH_CHARS = 6
_HIDDEN = "ancestor-or-self::*[contains(translate(@style, ' ', ''), 'display:none')]"
_HEADER_ELEMENTS = 3
_HEADER_LEVELS = 2
_CLOSING_PAREN = re.compile(r"[（(]([^（）()]{2,40})[）)]\s*$")
_EDITOR = re.compile(r"(?:编辑|责编|责任编辑|审核|校对|编审|审校)\s*[:：]")
_CLOSING_PARAS = 2
_MAX_FIELD_BYLINE = 60
_MAX_OPENING_FIELD = 30
_AUTHOR_XPATH = (
    ".//*[contains(@class,'author') or contains(@id,'author') or contains(@class,'Author')]"
    "[not(ancestor::a)]"
)

_HEADER_CHARS = 120
_MIN_ARTICLE_CJK = 150
_MIN_ARTICLE_SENTENCES = 3
_MIN_BRIEF_CJK = 40
_MAX_BODY_LINKS = 3
# "2016年10月14日07:17", "2018-10-14 07:57:57": a date with a time of day is a dateline.
_TIMED_DATE = re.compile(
    r"\d{4}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}\s*日?\s*\d{1,2}[:：]\d{2}"
)


@dataclass(frozen=True)
class _Para:
    text: str
    has_image: bool = False
    emphasised: bool = False  # centred, right-aligned or all bold: how captions are set
    centred: bool = False


def article_drafts(root: lxml.html.HtmlElement, url: str | None, raw: str = "") -> list[Draft]:
    """Every article on an article page (several for fragment collections)."""
    drafts = [_founder_pc(title, url) for title in root.xpath("//*[@id='main-title']")]
    if drafts:
        return drafts
    return [_single(root, url, raw)]


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
    draft = Draft(heading=heading, url=props.get("url") or url)
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
    _fill_body(draft, _paragraphs(body))
    return draft


def article_date(root: lxml.html.HtmlElement, raw: str = "") -> date | None:
    """The issue date an article page prints (``#author``, enpproperty/founder ``date``)."""
    facts = page_facts(root, raw)
    texts = [element_text(first(root, "//*[@id='author']")), facts.get("date", "")]
    return next((found for text in texts if (found := find_date(text))), None)


def _single(root: lxml.html.HtmlElement, url: str | None, raw: str) -> Draft:
    facts = page_facts(root, raw)
    article = first(root, "//div[contains(@class,'article')]")
    scope = article if article is not None else root
    title_el = _headline_element(root, scope, facts)
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
        kicker=_side_heading(root, "introtitle", facts, scope, title_el, before=True),
        subtitle=_side_heading(root, "subtitle", facts, scope, title_el, before=False),
    )
    draft = Draft(heading=heading, url=facts.get("url") or url)
    _page_of(draft, facts)
    author = (
        element_text(first(root, "//founder-author"))
        or facts.get("author")
        or element_text(first(scope, ".//p[@class='sec']"))
    )
    if author and not DATE.search(author):
        draft.set_byline(author)
    if (header := field_byline(_header_text(title_el))) is not None:
        draft.set_byline(header)
    if (marked := _author_element(scope)) is not None:
        draft.set_byline(marked)
    body = _body(root)
    _fill_body(draft, _paragraphs(body))
    return draft


def _author_element(scope: lxml.html.HtmlElement) -> str | None:
    """The names of a labelled field ("作者：张三") in an element marked as the author
    (``class="author"``); bare names there are often the uploading editor's, so not taken."""
    for element in scope.xpath(_AUTHOR_XPATH):
        text = element_text(element)
        if not text or len(text) > _MAX_FIELD_BYLINE or _hidden(element):
            continue
        if names := field_byline(text):
            return names
    return None


def _header_text(title_el: lxml.html.HtmlElement | None) -> str:
    """The short lines set right after the headline (source, author, date)."""
    texts: list[str] = []
    element = title_el
    # The headline's own siblings, then its parent's (an <h1> inside a title box).
    for _ in range(_HEADER_LEVELS):
        if element is None:
            break
        sibling, taken = element.getnext(), 0
        while sibling is not None and taken < _HEADER_ELEMENTS:
            text = element_text(sibling) if isinstance(sibling.tag, str) else ""
            if len(sibling.findall(".//p")) >= 2:
                break  # the body: the header is over
            if text and len(text) <= _HEADER_CHARS:
                texts.append(text)
                taken += 1
            sibling = sibling.getnext()
        element = element.getparent()
    return " | ".join(texts)


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


def _headline_element(
    root: lxml.html.HtmlElement, scope: lxml.html.HtmlElement, facts: dict[str, str]
) -> lxml.html.HtmlElement | None:
    """The element printing the headline: an ``<h1>`` (anywhere: it often sits outside the
    body's container) that the page title repeats, else the first headline-like heading."""
    title = element_text(first(root, "//title")) + " " + facts.get("og-title", "")
    candidates = [
        element
        for element in scope.xpath(".//h1 | .//h2 | .//*[@id='title' or @class='title']")
        + (root.xpath("//h1") if scope is not root else [])
        if _reads_as_headline(element_text(element)) and not _hidden(element)
    ]
    for element in candidates:
        text = element_text(element)
        if text.replace(" ", "") in title.replace(" ", ""):
            return element
    h1s = [e for e in candidates if e.tag == "h1"]
    return h1s[0] if h1s else _title_repeated(root, title)


def _title_repeated(root: lxml.html.HtmlElement, title: str) -> lxml.html.HtmlElement | None:
    """The innermost element of the page body that prints the page title's story part
    (``<span class=Title>`` and other unmarked headline settings)."""
    compact = title.replace(" ", "")
    best, best_len = None, _MIN_TITLE_MATCH_CHARS - 1
    body = root.find("body")
    for element in (body if body is not None else root).iter():
        if not isinstance(element.tag, str) or element.tag in ("a", "title", "option"):
            continue
        text = element_text(element).replace(" ", "")
        if best_len < len(text) <= _MAX_HEADLINE_CHARS and text in compact:
            best, best_len = element, len(text)
    return best


def _hidden(element: lxml.html.HtmlElement) -> bool:
    """True inside a ``display:none`` block (share previews repeat the title there)."""
    return bool(element.xpath(_HIDDEN))


def _reads_as_headline(text: str) -> bool:
    return 2 <= len(text) <= _MAX_HEADLINE_CHARS and not is_chrome_text(text)


def _side_heading(
    root: lxml.html.HtmlElement,
    name: str,
    facts: dict[str, str],
    scope: lxml.html.HtmlElement,
    title_el: lxml.html.HtmlElement | None,
    *,
    before: bool,
) -> str | None:
    """The kicker (``before``) or subtitle: its Founder tag or fact, else the heading set
    right before/after the headline; never the headline again, never site chrome."""
    text = (
        element_text(first(root, f"//founder-{name}"))
        or facts.get(name)
        or facts.get(f"cell-{name}")
        or _sibling_heading(title_el, before=before)
    )
    if not text and scope is not root:
        text = element_text(first(scope, ".//h3" if before else ".//h2"))
    headline_text = element_text(title_el) or facts.get("title", "")
    if not text or text == headline_text or is_chrome_text(text):
        return None
    return text


def _sibling_heading(title_el: lxml.html.HtmlElement | None, *, before: bool) -> str:
    if title_el is None:
        return ""
    sibling = title_el.getprevious() if before else title_el.getnext()
    while sibling is not None and not isinstance(sibling.tag, str):
        sibling = sibling.getprevious() if before else sibling.getnext()
    if sibling is None or sibling.tag not in ("h1", "h2", "h3", "h4", "h5"):
        return ""
    text = element_text(sibling)
    return text if _reads_as_headline(text) else ""


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


def _paragraphs(content: lxml.html.HtmlElement | None) -> list[_Para]:
    """The paragraphs of a body element, in order; lines split at <br> when there is no <p>."""
    if content is None:
        return []
    elements = content.xpath(".//p | .//td[not(.//p) and not(.//td)]")
    if not elements:
        return [_Para(squash(line)) for line in _br_lines(content) if squash(line)]
    paras = []
    for element in elements:
        text = element_text(element)
        # Founder sets each photo in a table: every text cell of it is the caption.
        # An image inside a link is a logo or a button, not a photo with a caption.
        image = bool(element.xpath(".//img[not(ancestor::a)]")) or _in_photo_table(element, content)
        if not text and not image:
            continue
        # Keys too: pages that escape their quotes (style=\"text-align: center\") scatter
        # the style over several attribute names.
        style = " ".join(f"{k}={v}" for k, v in element.attrib.items())
        bold = (
            first(element, "./strong|./b") is not None
            and element_text(first(element, "./strong|./b")) == text
        )
        centred = "center" in style or "right" in style
        paras.append(_Para(text, has_image=image, emphasised=bold or centred, centred=centred))
    return paras


def _in_photo_table(element: lxml.html.HtmlElement, content: lxml.html.HtmlElement) -> bool:
    """True inside a table with a photo set within the body (not a page laid out in tables)."""
    tables = element.xpath("ancestor::table[1]")
    if not tables or not tables[0].xpath(".//img[not(ancestor::a)]"):
        return False
    return any(ancestor is content for ancestor in tables[0].iterancestors())


def _br_lines(content: lxml.html.HtmlElement) -> list[str]:
    for br in content.iter("br"):
        br.tail = "\n" + (br.tail or "")
    text: str = content.text_content()
    return text.split("\n")


def _fill_body(draft: Draft, paras: list[_Para]) -> None:
    """Byline, captions and paragraphs of an article body, in reading order."""
    after_image = False
    for index, para in enumerate(paras):
        text = para.text
        if para.has_image:
            after_image = True
            if text and len(text) <= _MAX_CAPTION_CHARS:
                _add_caption(draft, text)
            continue
        if after_image and _looks_like_caption(para):
            _add_caption(draft, text)
            continue
        after_image = False
        last = index >= len(paras) - _CLOSING_PARAS and bool(draft.paragraphs)
        if last and (text := _closing_credit(draft, text)) == "":
            continue
        opening = not draft.paragraphs and _is_opening_byline(text)
        names = None if draft.paragraphs or opening else _opening_field(text)
        if names:  # "文/张三" set above the text
            draft.set_byline(names)
            continue
        closing = last and index == len(paras) - 1 and is_trailing_byline(text)
        if opening or closing:
            draft.set_byline(text)
        elif last and len(text) <= _MAX_FIELD_BYLINE and (names := field_byline(text)):
            draft.set_byline(names)  # "作者：张三", "本文来源：…报 作者：…" closing the text
        elif _CREDIT.match(text):
            _credit(draft, text)
        else:
            _, paren, _ = split_lead(text)
            if paren and not draft.paragraphs:
                draft.set_byline(paren)
            draft.add_paragraph(text, repair=False)


def _opening_field(text: str) -> str | None:
    return field_byline(text) if len(text) <= _MAX_OPENING_FIELD else None


def _closing_credit(draft: Draft, text: str) -> str:
    """The paragraph without a credit closing it: "…需要。(文/图 刘玺东 易赛楠)" gives the
    byline; "（编辑：严玉洁 王辉）" (editors, not authors) is dropped."""
    match = _CLOSING_PAREN.search(text)
    if match is None:
        return text
    inner = match.group(1).strip()
    if _EDITOR.match(inner):
        return text[: match.start()].rstrip()
    if match.start() == 0:
        return text  # a whole-paragraph byline: the caller reads it
    if is_trailing_byline(match.group(0).strip()):
        draft.set_byline(inner)
        return text[: match.start()].rstrip()
    return text


def _credit(draft: Draft, text: str) -> None:
    """A photo credit: the caption's credit, or the byline of a photo story."""
    if draft.paragraphs and draft.byline is None:
        draft.set_byline(text)
    else:
        _add_caption(draft, text)


def _is_opening_byline(text: str) -> bool:
    return text.startswith(("□", "■")) or (is_byline_text(text) and len(text) <= 40)


def _looks_like_caption(para: _Para) -> bool:
    text = para.text
    if len(text) > _MAX_CAPTION_CHARS:
        return False
    credited = bool(_CREDIT.match(text) or PHOTO_CREDIT_END.search(text[-24:]))
    if credited:
        return True
    # A bold (not centred) sentence after a photo is the story's lead-in, not a caption.
    lead_in = not para.centred and text.rstrip().endswith(("。", "！", "？"))
    return (para.emphasised and not lead_in) or not has_clause_punct(text)


def _add_caption(draft: Draft, text: str) -> None:
    if draft.captions and _CREDIT.match(text):
        draft.captions[-1] = draft.captions[-1] + text  # the credit belongs to its caption
    else:
        draft.captions.append(text)


@dataclass
class ArticleReading:
    """What an article page gives: its drafts and the facts of its issue."""

    drafts: list[Draft]
    date: date | None
    paper: str | None


def read_article_page(root: lxml.html.HtmlElement, raw: str, url: str | None) -> ArticleReading:
    """The articles of an article page with the date and paper it prints."""
    when, moment = _page_date(root, raw)
    paper = paper_name(element_text(first(root, "//title")))
    facts = page_facts(root, raw)
    paper = facts.get("papername") or paper or _site_paper(facts)
    drafts = article_drafts(root, url, raw)
    printed = _printed_label(root)
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
    text = element_text(body if body is not None else root)[:20000]
    if (field := find_label_field(text)) is not None:
        return field
    for element in root.xpath("//body//*[not(ancestor-or-self::a)][contains(text(),'版')]"):
        own = squash(element.text)
        if own and (label := read_label(own)) is not None:
            return label
    return None


def _site_paper(facts: dict[str, str]) -> str | None:
    return paper_name(facts.get("site", ""))


def _page_date(root: lxml.html.HtmlElement, raw: str) -> tuple[date | None, datetime | None]:
    """The date (and time) an article page prints: Founder fields, meta tags, a labelled
    ``发布日期：…`` line, else a date with a time of day set near the headline."""
    found = article_date(root, raw)
    facts = page_facts(root, raw)
    when, moment = printed_datetime(facts.get("meta-date", ""))
    if found is not None:
        return found, moment if when == found else None
    if when is not None:
        return when, moment
    text = element_text(root.find("body") if root.find("body") is not None else root)[:20000]
    when, moment = labelled_datetime(text)
    if when is not None:
        return when, moment
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
    """True when a draft holds real text (not an empty shell from a blocked page)."""
    cjk = sum(1 for p in draft.paragraphs for ch in p if "\u4e00" <= ch <= "\u9fff")
    return cjk >= _MIN_BODY_CJK or bool(draft.heading.headline)
