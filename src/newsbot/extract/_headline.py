"""Headline blocks: which line is the 引题 (kicker), the 主题 (headline), the 副题 (subtitle),
and which is a column banner (栏目) that belongs to no single headline.

Usage::

    head = split_heading(["锚定现代化 改革再深化", "衢州市党政代表团来金考察",
                          "深化务实合作 推动优势互补 努力实现更高水平共赢发展"])
    head.column == "锚定现代化 改革再深化"; head.headline == "衢州市党政代表团来金考察"

The rules are a layout editor's: a banner is a short slogan of two parallel phrases set
next to a headline; the main headline states the news (often as a parallel pair); a
kicker before it gives the occasion (a preposition phrase "就…", an event "…在义举行",
a speaker "…强调"), a subtitle after it adds detail ("预计…", "——…", figures).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsbot.extract._text import visible_len

_KICKER_START = re.compile(r"^(?:就|为了?|围绕|聚焦|对标|随着|面对|面向|在.{2,12}[中上下里]|从)")
_KICKER_END = re.compile(r"(?:——|—|：|:|强调|指出|表示|要求|寄语|举行|召开|开幕|闭幕|开展|启动)$")
_SUBTITLE_START = re.compile(r"^(?:——|—|预计|将|已|力争|确保|计划|全年|同比|首批|其中|总投资)")
_MAX_SLOGAN_PART = 7
_PARALLEL_SLACK = 2


@dataclass(frozen=True)
class Heading:
    """One article's heading as printed: kicker, headline, subtitle and column banner."""

    headline: str
    kicker: str | None = None
    subtitle: str | None = None
    column: str | None = None

    def text(self) -> str:
        """Kicker, headline and subtitle as one line (the column banner left out)."""
        return " ".join(p for p in (self.kicker, self.headline, self.subtitle) if p)


def parts(line: str) -> list[str]:
    """The space-separated phrases of a heading line."""
    return [p for p in line.split(" ") if p]


def is_parallel(a: str, b: str, max_len: int = 12) -> bool:
    """True for a couplet: two phrases of (nearly) the same length, neither long."""
    la, lb = visible_len(a), visible_len(b)
    return abs(la - lb) <= _PARALLEL_SLACK and max(la, lb) <= max_len and min(la, lb) >= 3


def is_slogan(line: str) -> bool:
    """True for a banner-like line: two short parallel phrases ("实干论英雄 奋战第一线")."""
    phrases = parts(line)
    if len(phrases) != 2:
        return False
    a, b = phrases
    return (
        is_parallel(a, b, _MAX_SLOGAN_PART + _PARALLEL_SLACK)
        and min(visible_len(a), visible_len(b)) <= _MAX_SLOGAN_PART
    )


def _is_kicker_phrase(text: str) -> bool:
    return bool(_KICKER_START.search(text) or _KICKER_END.search(text))


def _is_subtitle_phrase(text: str) -> bool:
    return bool(_SUBTITLE_START.search(text))


def split_line(line: str) -> Heading:
    """Split one printed heading line ("引题 主题 副题") into its parts."""
    phrases = parts(line)
    if len(phrases) <= 1:
        return Heading(headline=line.strip())
    first, rest = phrases[0], phrases[1:]
    cued = _is_kicker_phrase(first) or _is_subtitle_phrase(rest[0])
    if len(phrases) == 2 and is_parallel(first, rest[0]) and not cued:
        return Heading(headline=line.strip())
    kicker = None
    long_first = len(phrases) >= 3 and visible_len(first) >= 14
    if _is_kicker_phrase(first) or long_first:
        kicker, phrases = first, rest
    elif len(phrases) == 2 and not _is_subtitle_phrase(rest[0]) and not _has_digits(rest[0]):
        # Two unequal phrases without cues: the genre's default is 引题 + 主题.
        kicker, phrases = first, rest
    return _headline_and_subtitle(phrases, kicker)


def _has_digits(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _headline_and_subtitle(phrases: list[str], kicker: str | None) -> Heading:
    if (
        len(phrases) >= 2
        and is_parallel(phrases[0], phrases[1])
        and not _is_subtitle_phrase(phrases[1])
    ):
        headline = " ".join(phrases[:2])
        rest = phrases[2:]
    else:
        headline, rest = phrases[0], phrases[1:]
    subtitle = " ".join(rest) or None
    return Heading(headline=headline, kicker=kicker, subtitle=subtitle)


def _second_is_subtitle(first: str, second: str) -> bool:
    if _is_subtitle_phrase(second) or len(parts(second)) >= 3:
        return True
    return visible_len(second) >= 2 * visible_len(first) and not _is_kicker_phrase(first)


def split_heading(lines: list[str]) -> Heading:
    """Read a heading block of one or more lines (banners included) into a :class:`Heading`."""
    texts = [line for line in lines if not is_slogan(line)]
    banners = [line for line in lines if is_slogan(line)]
    if not texts:  # only slogans: the first is the headline, the others banners
        texts, banners = banners[:1], banners[1:]
    column = " / ".join(banners) or None
    if len(texts) == 1:
        head = split_line(texts[0])
        return Heading(head.headline, head.kicker, head.subtitle, column)
    first, second = texts[0], texts[1]
    if _second_is_subtitle(first, second) and not _KICKER_END.search(first):
        return Heading(first, None, " ".join(texts[1:]), column)
    subtitle = " ".join(texts[2:]) or None
    return Heading(second, first.rstrip("—"), subtitle, column)
