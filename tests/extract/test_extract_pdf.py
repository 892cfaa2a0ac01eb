"""Page PDFs read like the page text an e-paper site publishes."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.errors import ExtractionError
from newsbot.extract import extract_document
from newsbot.extract._pdf import join_lines
from newsbot.models import Document
from newsbot.testing.pdf import typeset

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "ywsb-2025-05-16-p1.txt"


def test_a_page_pdf_gives_the_same_articles_as_its_page_text() -> None:
    """The sample page set as a wrapped-column PDF extracts to the same articles as the text."""
    text = SAMPLE.read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    pdf = typeset(paragraphs)
    from_pdf = extract_document(Document(url="p1.pdf", body=pdf, role="page_text"))
    from_text = extract_document(Document(url="p1.txt", body=SAMPLE.read_bytes(), role="page_text"))
    assert [a.headline for a in from_pdf.articles] == [a.headline for a in from_text.articles]
    assert [a.authors for a in from_pdf.articles] == [a.authors for a in from_text.articles]
    assert [a.body for a in from_pdf.articles] == [a.body for a in from_text.articles]
    assert (from_pdf.date, from_pdf.number) == (from_text.date, from_text.number)


def test_lines_rejoin_without_spaces_in_chinese_and_with_one_between_words() -> None:
    """A column break inside Chinese adds nothing; between two Latin words it is a space."""
    assert join_lines(["社会和谐稳定和", "经济金融安全"]) == "社会和谐稳定和经济金融安全"
    assert join_lines(["学员 ANOUAR", "ASSAKHEN 走出考场"]) == "学员 ANOUAR ASSAKHEN 走出考场"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"%PDF-1.4\n garbage that is no PDF at all", "unreadable PDF"),
        (b"%PDF-1.4\n%%EOF", "unreadable PDF"),
    ],
)
def test_a_broken_pdf_is_a_clear_error_naming_the_url(body: bytes, message: str) -> None:
    """A damaged PDF raises ExtractionError with the document's URL, never a traceback."""
    with pytest.raises(ExtractionError, match=rf"http://paper/p1\.pdf: .*{message}"):
        extract_document(Document(url="http://paper/p1.pdf", body=body, role="page_text"))


def test_a_pdf_without_text_is_named_as_such() -> None:
    """A scanned page (no text layer) is told apart from a broken file."""
    pdf = typeset([])
    with pytest.raises(ExtractionError, match="without a text layer"):
        extract_document(Document(url="scan.pdf", body=pdf, role="page_text"))
