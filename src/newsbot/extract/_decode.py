"""Bytes to text: UTF-8 (with or without BOM) or the GB family, whatever the server claimed.

Usage::

    text = decode_bytes(body, declared_charset="gb2312")

Chinese e-paper servers often declare the wrong charset (``gb2312`` for UTF-8 pages,
nothing at all for GBK feeds). We try the declared charset first, then the charset a
``<meta>``/XML prolog names, then UTF-8 and GB18030, and keep the candidate with the
fewest replacement characters: a correct decode of real text has almost none.
"""

from __future__ import annotations

import codecs
import re

# GB2312 and GBK are subsets of GB18030; decoding with the superset never loses characters
# that a page labelled with the smaller charset actually uses.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "gb18030",
    "utf8": "utf-8",
}
_META_CHARSET = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?\s*([A-Za-z0-9_\-]{2,20})""", re.I)
_SNIFF_BYTES = 4096
# C1 control characters: what bytes 0x80-0x9f become when GBK or UTF-8 is read as Latin-1.
_C1_CONTROLS = re.compile("[\x80-\x9f]")


def _canonical(charset: str | None) -> str | None:
    """The codec name we decode with, or None when Python does not know the charset."""
    if not charset:
        return None
    name = charset.strip().strip("'\"").lower()
    name = _ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return _ALIASES.get(codec, codec)


def _candidates(body: bytes, declared: str | None) -> list[str]:
    """Charsets worth trying, most trusted first, without duplicates."""
    names: list[str | None] = [_canonical(declared)]
    match = _META_CHARSET.search(body[:_SNIFF_BYTES])
    if match:
        names.append(_canonical(match.group(1).decode("ascii", "replace")))
    names += ["utf-8", "gb18030"]
    seen: list[str] = []
    for name in names:
        if name and name not in seen:
            seen.append(name)
    return seen


def _badness(text: str) -> int:
    """How wrong a decode looks: replacement characters, plus mojibake typical of Latin-1."""
    return text.count("\ufffd") * 10 + len(_C1_CONTROLS.findall(text))


def decode_bytes(body: bytes, declared_charset: str | None = None) -> str:
    """Decode ``body`` to text, checking ``declared_charset`` rather than trusting it.

    Usage: ``decode_bytes(b"\\xc4\\xe3\\xba\\xc3", "gb2312") == "你好"``
    """
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8) :].decode("utf-8", "replace")
    best_text = ""
    best_score = -1
    for name in _candidates(body, declared_charset):
        text = body.decode(name, "replace")
        score = _badness(text)
        if best_score < 0 or score < best_score:
            best_text, best_score = text, score
        if score == 0:
            break
    return best_text
