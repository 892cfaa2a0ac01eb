"""The heading of an ordinary article page: which element prints the headline, the kicker
and subtitle set around it, and the byline lines under it.

Usage::

    title_el = headline_element(root, scope, facts)
    kicker = side_heading(root, "introtitle", facts, scope, title_el, before=True)
    names = field_byline(header_text(title_el))

The headline is the ``<h1>`` (anywhere: it often sits outside the body's container) that
the page ``<title>`` repeats, else the element printing the title's story part. Headings in
``display:none`` share previews and site chrome (``热门文章``) are never taken.
"""

from __future__ import annotations

import lxml.html

from newsbot.extract._byline import field_byline
from newsbot.extract._html_body import is_chrome_text
from newsbot.extract._html_common import element_text, first

_MAX_FIELD_BYLINE = 60
_MAX_HEADLINE_CHARS = 80
_MIN_TITLE_MATCH_CHARS = 6
_HIDDEN = "ancestor-or-self::*[contains(translate(@style, ' ', ''), 'display:none')]"
_HEADER_ELEMENTS = 3
_HEADER_LEVELS = 2
_AUTHOR_XPATH = (
    ".//*[contains(@class,'author') or contains(@id,'author') or contains(@class,'Author')]"
    "[not(ancestor::a)]"
)
_HEADER_CHARS = 120


def author_element(scope: lxml.html.HtmlElement) -> str | None:
    """The names of a labelled field ("作者：张三") in an element marked as the author
    (``class="author"``); bare names there are often the uploading editor's, so not taken."""
    for element in scope.xpath(_AUTHOR_XPATH):
        text = element_text(element)
        if not text or len(text) > _MAX_FIELD_BYLINE or is_hidden(element):
            continue
        if names := field_byline(text):
            return names
    return None


def header_text(title_el: lxml.html.HtmlElement | None) -> str:
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


def headline_element(
    root: lxml.html.HtmlElement, scope: lxml.html.HtmlElement, facts: dict[str, str]
) -> lxml.html.HtmlElement | None:
    """The element printing the headline: an ``<h1>`` (anywhere: it often sits outside the
    body's container) that the page title repeats, else the first headline-like heading."""
    title = element_text(first(root, "//title")) + " " + facts.get("og-title", "")
    candidates = [
        element
        for element in scope.xpath(".//h1 | .//h2 | .//*[@id='title' or @class='title']")
        + (root.xpath("//h1") if scope is not root else [])
        if _reads_as_headline(element_text(element)) and not is_hidden(element)
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


def is_hidden(element: lxml.html.HtmlElement) -> bool:
    """True inside a ``display:none`` block (share previews repeat the title there)."""
    return bool(element.xpath(_HIDDEN))


def _reads_as_headline(text: str) -> bool:
    return 2 <= len(text) <= _MAX_HEADLINE_CHARS and not is_chrome_text(text)


def side_heading(
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
