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
from datetime import date

import lxml.html

from newsbot.extract._byline import is_byline_text, is_trailing_byline, split_lead
from newsbot.extract._draft import Draft
from newsbot.extract._headline import Heading
from newsbot.extract._html_common import (
    DATE,
    PAGE_LABEL,
    element_text,
    enpproperty,
    find_date,
    first,
    squash,
)
from newsbot.extract._text import PHOTO_CREDIT_END, cn_number, has_clause_punct

_CONTENT = (
    ".//founder-content | .//*[@id='ozoom'] | .//*[@id='content'] | .//*[@id='articleContent']"
    " | .//div[contains(@class,'article-content')]"
)
_MARKUP = "//founder-title | //founder-content | //*[@id='main-title'] | //*[@id='ozoom']"
_CREDIT = re.compile(r"^[（(][^）)]{1,40}摄[）)]$|^[^，。]{2,30}\s摄$")
_MAX_CAPTION_CHARS = 100
_MIN_BODY_CJK = 10


@dataclass(frozen=True)
class _Para:
    text: str
    has_image: bool = False
    emphasised: bool = False  # centred, right-aligned or all bold: how captions are set


def article_drafts(root: lxml.html.HtmlElement, url: str | None) -> list[Draft]:
    """Every article on an article page (several for fragment collections)."""
    drafts = [_founder_pc(title, url) for title in root.xpath("//*[@id='main-title']")]
    if drafts:
        return drafts
    return [_single(root, url)]


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


def article_date(root: lxml.html.HtmlElement) -> date | None:
    """The issue date an article page prints (``#author``, enpproperty ``date``), if any."""
    texts = [element_text(first(root, "//*[@id='author']")), enpproperty(root).get("date", "")]
    return next((found for text in texts if (found := find_date(text))), None)


def _single(root: lxml.html.HtmlElement, url: str | None) -> Draft:
    props = enpproperty(root)
    article = first(root, "//div[contains(@class,'article')]")
    scope = article if article is not None else root
    heading = Heading(
        headline=_pick(root, "//founder-title", props.get("title"), scope, ".//h1"),
        kicker=_pick(root, "//founder-introtitle", props.get("introtitle"), scope, ".//h3") or None,
        subtitle=_pick(root, "//founder-subtitle", props.get("subtitle"), scope, ".//h2") or None,
    )
    draft = Draft(heading=heading, url=props.get("url") or url)
    _page_of(draft, props)
    author = _pick(root, "//founder-author", props.get("author"), scope, ".//p[@class='sec']")
    if author and not DATE.search(author):
        draft.set_byline(author)
    content = first(root, _CONTENT)
    _fill_body(draft, _paragraphs(content if content is not None else root))
    return draft


def _page_of(draft: Draft, props: dict[str, str]) -> None:
    """Page number and name from enpproperty ``pagenum``/``nodename`` ("第01版：要闻")."""
    name = props.get("nodename") or props.get("pagename") or ""
    if match := PAGE_LABEL.match(name):
        draft.page, name = cn_number(match.group(1)), match.group(2).strip()
    if number := props.get("pagenum") or props.get("founder-pagenum"):
        draft.page = draft.page or cn_number(number)
    draft.page_name = name or None


def _pick(
    root: lxml.html.HtmlElement,
    xpath: str,
    prop: str | None,
    scope: lxml.html.HtmlElement,
    alt: str,
) -> str:
    """A field from its Founder tag, else the enpproperty comment, else a heading tag."""
    return element_text(first(root, xpath)) or prop or element_text(first(scope, alt))


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
        image = bool(element.xpath(".//img | ancestor::table[1][.//img]"))
        if not text and not image:
            continue
        style = (element.get("style") or "") + (element.get("align") or "")
        bold = (
            first(element, "./strong|./b") is not None
            and element_text(first(element, "./strong|./b")) == text
        )
        centred = "center" in style or "right" in style
        paras.append(_Para(text, has_image=image, emphasised=bold or centred))
    return paras


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
        opening = not draft.paragraphs and _is_opening_byline(text)
        closing = index == len(paras) - 1 and is_trailing_byline(text) and bool(draft.paragraphs)
        if opening or closing:
            draft.set_byline(text)
        elif _CREDIT.match(text):
            _credit(draft, text)
        else:
            _, paren, _ = split_lead(text)
            if paren and not draft.paragraphs:
                draft.set_byline(paren)
            draft.add_paragraph(text, repair=False)


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
    return para.emphasised or credited or not has_clause_punct(text)


def _add_caption(draft: Draft, text: str) -> None:
    if draft.captions and _CREDIT.match(text):
        draft.captions[-1] = draft.captions[-1] + text  # the credit belongs to its caption
    else:
        draft.captions.append(text)


def has_article_markup(root: lxml.html.HtmlElement) -> bool:
    """True when the page carries article markup (a title or body element of a known system)."""
    return bool(root.xpath(_MARKUP))


def has_body_text(draft: Draft) -> bool:
    """True when a draft holds real text (not an empty shell from a blocked page)."""
    cjk = sum(1 for p in draft.paragraphs for ch in p if "\u4e00" <= ch <= "\u9fff")
    return cjk >= _MIN_BODY_CJK or bool(draft.heading.headline)
