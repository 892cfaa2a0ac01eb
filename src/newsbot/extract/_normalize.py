"""Clean text as layout extraction left it, without changing what a reader sees.

Usage::

    text, warnings = normalize_page_text(raw_text)

PDF text extraction maps some glyphs of Founder fonts to private-use code points
(``：`` and ``、`` in ``bm_lyh__extracted_text__pdf_pua_glyphs.txt``); we map the ones we
know back and report the rest. Punctuation is kept as printed: full-width folding is for
matching (see :func:`fold_for_matching`), never for display.
"""

from __future__ import annotations

import re
import unicodedata

# Private-use code points seen in Founder-font PDFs, and the character they stand for.
PUA_GLYPHS = {
    "\U001003d1": "：",
    "\U001003d8": "、",
}
_PUA = re.compile("[\ue000-\uf8ff\U000f0000-\U0010fffd]")
_SPACES = re.compile(r"[ \t\u00a0\u2002\u2003\u2009\u200b]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_IDEOGRAPHIC_SPACE = "\u3000"


def fix_pua(text: str) -> tuple[str, int]:
    """Map known private-use glyphs; return the text and how many unknown ones remain."""
    for glyph, char in PUA_GLYPHS.items():
        text = text.replace(glyph, char)
    return text, len(_PUA.findall(text))


def clean_line(line: str) -> str:
    """One line with runs of spaces (incl. ideographic indents) collapsed and ends trimmed."""
    line = _CONTROL.sub("", line).replace(_IDEOGRAPHIC_SPACE, " ")
    return _SPACES.sub(" ", line).strip()


def normalize_page_text(text: str) -> tuple[str, list[str]]:
    """Normalise line ends, PUA glyphs and spacing of extracted page text."""
    warnings: list[str] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text, unknown = fix_pua(text)
    if unknown:
        warnings.append(f"{unknown} unknown private-use glyphs left in the text")
    lines = [clean_line(line) for line in text.split("\n")]
    return "\n".join(lines), warnings


def fold_for_matching(text: str) -> str:
    """Full-width to half-width and lower case, for matching only (never for display)."""
    return unicodedata.normalize("NFKC", text).lower()
