"""Printed page labels: ``第A01版：头版``, ``A01版： 首版``, ``版次：A02``, ``01版：要闻``.

Usage::

    label = read_label("第A01版：头版")
    (label.label, label.number, label.name) == ("A01", 1, "头版")
    read_label("第B03版").number == 3          # page_order() sorts B03 after A08

City and evening papers number pages within sections A, B, C…; the printed label is kept
as printed (``B03``), ``number`` is the page number it prints (3), and :func:`page_order`
sorts pages in reading order (every page of section A before section B).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsbot.extract._text import cn_number

_NUMERAL = r"[0-9一二三四五六七八九十]{1,3}"
# "第A01版：头版", "A01版： 首版", "01版：要闻", "第1版 要闻", "第06版" (whole text).
_LABEL = re.compile(
    rf"^第?\s*(?P<letter>[A-Za-z]?)\s*(?P<digits>{_NUMERAL})\s*版\s*[:：]?\s*(?P<name>.{{0,20}})$"
)
# "版次：A02", "版面：第06版 要闻", "所在版面：A03" (a field of an article page).
_FIELD = re.compile(
    rf"(?:版次|版面|版号|所在版面)\s*[:：]\s*第?\s*(?P<letter>[A-Za-z]?)\s*(?P<digits>{_NUMERAL})"
    r"(?:\s*版)?(?:\s*[:：]\s*(?:版名\s*[:：]\s*)?(?P<name>[\u4e00-\u9fff]{1,8}))?"
)
# "《光明日报》（2024年05月20日 03版）": the printed source line of a reprint on a site.
# Also "人民日报 2024-05-20 第03版", "《经济日报》 2024年05月20日 06 版".
_SOURCE_LINE = re.compile(
    r"\d{4}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}\s*日?"
    rf"\s*第?\s*(?P<letter>[A-Za-z]?)\s*(?P<digits>{_NUMERAL})\s*版(?P<name>)(?=[\s)）】,，:：]|$)"
)
# A label inside text ("[湘声报] 2018.01.05 第A01版 头版"); inside a name it is another
# page's ("第1版：…第8版："), while "要闻二版" is a name.
_IN_TEXT = re.compile(rf"第\s*[A-Za-z]?\s*{_NUMERAL}\s*版")
_NAME_END = re.compile(r"\s*[-_|｜—]")
_MAX_NAME_CHARS = 12


@dataclass(frozen=True)
class PageLabel:
    """A page as printed: the label (``A01``, ``06``), its number and the page name."""

    label: str
    number: int
    name: str | None = None


def _build(match: re.Match[str]) -> PageLabel | None:
    number = cn_number(match.group("digits"))
    if number is None:
        return None
    letter = match.group("letter").upper()
    digits = match.group("digits")
    label = letter + (digits if digits.isdigit() else str(number))
    name = _NAME_END.split(match.group("name") or "")[0].strip(" :：") or None
    if name is not None and (len(name) > _MAX_NAME_CHARS or _IN_TEXT.search(name)):
        name = None  # "第1版：…第8版：" is a list of pages, not one page's name
    return PageLabel(label=label, number=number, name=name)


def read_label(text: str) -> PageLabel | None:
    """The page label that ``text`` is, as a whole ("第A01版：头版"); None otherwise."""
    match = _LABEL.match(text.strip())
    return _build(match) if match else None


def find_label_field(text: str) -> PageLabel | None:
    """A ``版次：A02`` style field anywhere in ``text``; None when there is none."""
    match = _FIELD.search(text) or _SOURCE_LINE.search(text)
    return _build(match) if match else None


def count_labels(text: str) -> int:
    """How many page labels (``第A01版``) ``text`` names ("[湘声报] 2018.01.05 第A01版 头版")."""
    return len(_IN_TEXT.findall(text))


def page_order(page: int | None, label: str | None) -> tuple[int, int]:
    """A sort key in reading order: section (none, A, B, …) first, then the page number;
    pages without a number last."""
    letter = (label or "")[:1].upper()
    section = ord(letter) - ord("A") + 1 if "A" <= letter <= "Z" else 0
    return (section, page) if page is not None else (_LAST, _LAST)


_LAST = 10_000
