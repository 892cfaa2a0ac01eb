"""Small text predicates shared by the extractors: punctuation classes, numerals, overlap.

Usage::

    ends_sentence("……实现投产。") is True
    cn_number("十五") == 15
"""

from __future__ import annotations

import re

# A paragraph ending in one of these closes a sentence; anything else was broken at a
# column end (or is a heading). ASCII forms appear in PDF text with half-width fonts.
SENTENCE_END = "。！？!?…”」』）)"
CLAUSE_PUNCT = "，。！？；：、,;!?:"
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
_CJK = re.compile(r"[\u3400-\u9fff]")
# A photo credit closes its caption: "⑧3程全摄", "王铮 杨东辉 摄" (not "进行拍摄").
PHOTO_CREDIT_END = re.compile(
    r"(?:[①-⑳]\d{0,2}[\u4e00-\u9fff ]{2,16}|\s[\u4e00-\u9fff ]{2,16}|[\u4e00-\u9fff]{2,4} )摄$"
)
_QUOTES = re.compile(r"[“”‘’\"'《》「」]")


def is_cjk(char: str) -> bool:
    """True for a CJK ideograph."""
    return bool(_CJK.match(char))


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends at a sentence boundary (incl. a closing quote or bracket)."""
    text = text.rstrip()
    if not text:
        return True
    if text[-1] in "”」』）)" and len(text) >= 2:
        # "…。”" closes a sentence; "…“网格化”" mid-sentence does not.
        return text[-2] in "。！？!?…" or text[-1] in "）)"
    return (
        text[-1] in SENTENCE_END
        or text.endswith(("：", ":"))
        or bool(PHOTO_CREDIT_END.search(text[-24:]))
    )


def has_clause_punct(text: str) -> bool:
    """True when the text carries sentence punctuation (headings and banners do not)."""
    return any(ch in CLAUSE_PUNCT for ch in text)


def visible_len(text: str) -> int:
    """Length without spaces and quote marks: what a layout editor counts in a heading."""
    return len(_QUOTES.sub("", text).replace(" ", ""))


def cn_number(text: str) -> int | None:
    """Arabic or Chinese numerals (up to 99) as an int: ``"五"`` → 5, ``"十二"`` → 12."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        value = 0
        for ch in text:
            value = value * 10 + _CN_DIGITS[ch]
        return value
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def bigrams(text: str) -> set[str]:
    """The set of adjacent CJK character pairs of ``text``."""
    chars = "".join(ch for ch in text if is_cjk(ch))
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def overlap(a: str, b: str) -> int:
    """How many CJK bigrams two texts share: a cheap 'same subject' signal."""
    return len(bigrams(a) & bigrams(b))


def join_broken(first: str, second: str) -> str:
    """Rejoin a sentence broken at a column end; a space only between two Latin words."""
    latin_end = bool(first) and first[-1].isascii() and first[-1].isalnum()
    if latin_end and second and second[0].isascii() and second[0].isalpha():
        return f"{first} {second}"
    return first + second
