"""Typeset page text as a page PDF, for testing PDF sources without a real newspaper.

Needs reportlab (a development dependency: ``pip install 'newsbot[dev]'``); its built-in
STSong-Light CID font draws Chinese without any font file.

Usage::

    pdf_bytes = typeset(["义乌商报", "本报讯 昨日……"])
"""

from __future__ import annotations

import io
from collections.abc import Sequence


def typeset(paragraphs: Sequence[str], *, chars_per_line: int = 32) -> bytes:
    """A PDF laid out like a newspaper column: paragraphs wrapped, a gap between them."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(420, 842))
    page.setFont("STSong-Light", 10)
    y = 800.0
    for paragraph in paragraphs:
        lines = [
            paragraph[i : i + chars_per_line] for i in range(0, len(paragraph), chars_per_line)
        ]
        if y - 12 * len(lines) < 40:  # the paragraph does not fit: next page
            page.showPage()
            page.setFont("STSong-Light", 10)
            y = 800.0
        for line in lines:
            page.drawString(30, y, line)
            y -= 12
        y -= 18  # a paragraph gap wider than the line gap: pdfminer sees a new block
    page.save()
    return out.getvalue()
