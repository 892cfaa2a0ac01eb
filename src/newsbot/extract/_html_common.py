"""Shared HTML helpers: parsing safely, text of elements, Founder ``enpproperty`` comments.

Usage::

    root = parse_html(text)            # None when nothing parseable is there
    props = enpproperty(root)          # {"title": ..., "introtitle": ..., "url": ...}

Founder's generator writes each article's metadata into a comment
``<!--enpproperty <title>…</title><introtitle>…</introtitle>… /enpproperty-->``; pages carry
``<founder-date>``, ``<founder-pagenum>`` and ``<founder-papername>`` the same way.
"""

from __future__ import annotations

import re
from datetime import date
from typing import cast

import lxml.etree
import lxml.html

_WHITESPACE = re.compile(r"[\s\u00a0\u3000\u2002\u2003\u200b]+")
_PROPERTY = re.compile(r"<([a-zA-Z][\w-]{0,30})>([^<]{0,2000})</\1>")
_SKIP_TAGS = ("script", "style", "noscript", "template")
# "2023年2月10日", "2023-02-10", "2018.01.05", "2018/01/05": a printed date.
DATE = re.compile(r"(\d{4})\s*(?:年\s*|([-./]))(\d{1,2})\s*(?:月\s*|\2)(\d{1,2})(?!\d)")


def parse_html(text: str) -> lxml.html.HtmlElement | None:
    """Parse possibly broken HTML (fragments too); None when there is nothing to parse."""
    if not text.strip():
        return None
    try:
        root = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        return None
    for element in list(root.iter(*_SKIP_TAGS)):
        if element.getparent() is not None:
            cast(lxml.html.HtmlElement, element).drop_tree()  # keeps the tail text
    return root


def squash(text: str | None) -> str:
    """Text with runs of whitespace (incl. nbsp and ideographic spaces) as one space."""
    return _WHITESPACE.sub(" ", text or "").strip()


def element_text(element: lxml.html.HtmlElement | None) -> str:
    """The squashed text of an element ("" for None)."""
    if element is None:
        return ""
    return squash(element.text_content())


def first(root: lxml.html.HtmlElement, xpath: str) -> lxml.html.HtmlElement | None:
    """The first element an XPath finds, or None."""
    found = root.xpath(xpath)
    return found[0] if found else None


def enpproperty(root: lxml.html.HtmlElement) -> dict[str, str]:
    """Fields of the first Founder ``enpproperty`` comment under ``root`` (may be empty)."""
    for comment in root.xpath(".//comment()"):
        text = comment.text or ""
        if "enpproperty" in text:
            return properties(text)
    return {}


def properties(text: str) -> dict[str, str]:
    """``<name>value</name>`` pairs of an enpproperty comment, names lower-cased."""
    return {k.lower(): squash(v) for k, v in _PROPERTY.findall(text)}


def match_date(match: re.Match[str] | None) -> date | None:
    """The date of a match's first three digit groups (year, month, day); None if none or
    impossible (separator groups are skipped)."""
    if match is None:
        return None
    digits = [g for g in match.groups() if g and g.isdigit()]
    if len(digits) < 3:
        return None
    try:
        return date(int(digits[0]), int(digits[1]), int(digits[2]))
    except ValueError:
        return None


def find_date(text: str) -> date | None:
    """The first printed :data:`DATE` in ``text``; None when there is none or it is impossible."""
    return match_date(DATE.search(text))
