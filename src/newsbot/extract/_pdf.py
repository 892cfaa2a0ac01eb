"""Page PDFs to page text, so a PDF page reads like the text an e-paper site publishes.

pdfminer.six lays text out in reading blocks separated by blank lines — the shape
:mod:`newsbot.extract._pagetext` segments (the bundled sample issue is such text). It is
imported lazily: it costs ~0.2 s and only PDF sources need it.

Usage::

    text = pdf_text(body, url="http://paper/2025-05/16/p1.pdf")
"""

from __future__ import annotations

import io

from newsbot.errors import ExtractionError

PDF_MAGIC = b"%PDF-"
# A newspaper page PDF is one page; a whole-issue PDF is a dozen or two. More is not an issue.
MAX_PDF_PAGES = 32


def is_pdf(body: bytes) -> bool:
    """True when ``body`` starts like a PDF file."""
    return body.lstrip()[:5] == PDF_MAGIC


def pdf_text(body: bytes, *, url: str) -> str:
    """The PDF's text blocks in reading order, one paragraph per block, blocks split by a blank line.

    Lines inside a block are rejoined: a layout program breaks lines wherever the column
    ends, and Chinese puts no space at a break (Latin words and numbers get one back).
    Raises ExtractionError naming ``url`` when the file is not a readable PDF.
    """
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psexceptions import PSException

    blocks: list[str] = []
    try:
        for page in extract_pages(io.BytesIO(body), maxpages=MAX_PDF_PAGES, laparams=LAParams()):
            for element in page:
                if isinstance(element, LTTextContainer):
                    lines = [line.get_text().strip() for line in element]
                    blocks.append(join_lines([line for line in lines if line]))
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as exc:
        # pdfminer raises assorted errors on damaged files; all mean "not a readable PDF".
        raise ExtractionError(f"{url}: unreadable PDF ({type(exc).__name__})") from exc
    text = "\n\n".join(block for block in blocks if block)
    if not text.strip():
        raise ExtractionError(f"{url}: PDF without a text layer (a scanned page?)")
    return text


def join_lines(lines: list[str]) -> str:
    """Rejoin the lines of one block: no space in Chinese text, one between Latin words."""
    joined = ""
    for line in lines:
        if (
            joined
            and joined[-1].isascii()
            and joined[-1].isalnum()
            and line[0].isascii()
            and line[0].isalnum()
        ):
            joined += " "
        joined += line
    return joined
