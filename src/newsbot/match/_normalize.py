"""Folding used on both sides of matching: traditional→simplified, full→half width, case.

Usage::

    normalize("電信網絡詐騙 ＡＩ")   # -> "电信网络诈骗 ai"

The fold is one character to one character, so a position in the folded text is the
same position in the original: snippets are cut from the original text, never from the
folded one (folding is for matching, never for display). A character whose fold would
be several characters (ligatures such as "ﬁ", "ß", "㎏") is kept as it is.
"""

from __future__ import annotations

import unicodedata
from functools import cache

__all__ = ["fold_char", "is_word_char", "normalize"]


@cache
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def fold_char(char: str) -> str:
    """Fold one character to a fixed point: folding the result again changes nothing."""
    folded = _fold_once(char)
    for _ in range(3):  # OpenCC chains a few variants (薴 → 苧 → 苎): follow them
        again = _fold_once(folded)
        if again == folded:
            break
        folded = again
    return folded


def _fold_once(char: str) -> str:
    """NFKC (full→half width), then OpenCC t2s, then casefold; always one character."""
    folded = unicodedata.normalize("NFKC", char)
    if len(folded) != 1:
        folded = char
    if ord(folded) >= 0x2E80:  # only CJK has traditional forms; skip OpenCC for the rest
        simplified: str = _t2s().convert(folded)  # type: ignore[attr-defined]
        if len(simplified) == 1:
            folded = simplified
    for lowered in (folded.casefold(), folded.lower()):  # casefold("ß") is "ss": fall back
        if len(lowered) == 1:
            return lowered
    return folded


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table filled lazily: each code point is folded once, then cached."""

    def __missing__(self, code_point: int) -> str:
        folded = fold_char(chr(code_point))
        self[code_point] = folded
        return folded


_TABLE = _FoldTable()


def normalize(text: str) -> str:
    """Return ``text`` folded for matching; same length as ``text``, position for position."""
    return text.translate(_TABLE)


def is_word_char(char: str) -> bool:
    """True for ASCII letters and digits: the characters a Latin word boundary separates."""
    return char.isascii() and char.isalnum()
