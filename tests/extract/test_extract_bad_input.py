"""Bad input: a clear ExtractionError or a best-effort result, never a traceback, bounded time."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.extract.conftest import SAMPLE_PAGE

from newsbot.errors import ExtractionError
from newsbot.extract import decode_bytes, extract_document
from newsbot.models import Document, DocumentRole

ROLES: tuple[DocumentRole, ...] = ("page_text", "page_index", "article_page", "feed")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("body", [b"", b"   \n\t  "])
def test_empty_input_raises(role: DocumentRole, body: bytes) -> None:
    """Empty input is an ExtractionError that names the document URL."""
    with pytest.raises(ExtractionError, match=r"http://example\.test/p1"):
        extract_document(Document("http://example.test/p1", body, role=role))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "body",
    [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", b"\x89PNG\r\n\x1a\n\x00\x00", bytes(range(256)) * 8],
)
def test_binary_input_raises(role: DocumentRole, body: bytes) -> None:
    """Binary input (a damaged PDF, an image, NUL-heavy bytes) is an ExtractionError naming the URL.

    As page text, PDF bytes are read as a page PDF: a damaged one is an unreadable PDF.
    """
    with pytest.raises(
        ExtractionError, match=r"http://example\.test/x\.pdf: .*(binary|unreadable PDF)"
    ):
        extract_document(Document("http://example.test/x.pdf", body, role=role))


@pytest.mark.parametrize("role", ["page_index", "article_page"])
def test_truncated_html(role: DocumentRole) -> None:
    """HTML cut off mid-tag gives what it holds, without a traceback."""
    html = "<html><body><founder-title>半截新闻</founder-title><founder-content><p>本报讯 昨日，"
    issue = extract_document(Document("u", html.encode(), role=role))
    assert [a.headline for a in issue.articles] in ([], ["半截新闻"])
    assert [(a.headline, a.body) for a in issue.articles] == [("半截新闻", "本报讯 昨日，")]


def test_truncated_page_text() -> None:
    """Page text cut off mid-article keeps the articles it has."""
    text = SAMPLE_PAGE.read_text(encoding="utf-8")[:3000]
    issue = extract_document(Document("u", text.encode(), role="page_text"))
    assert issue.articles[0].headline == "凝聚精准治理合力 深化“护企优商”举措"


def test_wrong_declared_charset_page_text() -> None:
    """GB18030 page text declared as UTF-8 decodes to the same articles as the UTF-8 original."""
    text = SAMPLE_PAGE.read_text(encoding="utf-8")
    gb = extract_document(Document("u", text.encode("gb18030"), role="page_text", charset="utf-8"))
    utf = extract_document(Document("u", text.encode("utf-8"), role="page_text", charset="gbk"))
    assert [a.headline for a in gb.articles] == [a.headline for a in utf.articles]
    assert len(gb.articles) == 7


@pytest.mark.parametrize(
    ("body", "declared", "expected"),
    [
        ("你好，世界".encode("gb2312"), "gb2312", "你好，世界"),
        ("你好，世界".encode("gbk"), None, "你好，世界"),
        ("你好，世界".encode(), "gb2312", "你好，世界"),
        ("\ufeff你好".encode(), None, "你好"),
        ("𠀀".encode("gb18030"), "gbk", "𠀀"),
        ("你好".encode("gbk"), "no-such-charset", "你好"),
        (b'<meta charset="gbk">' + "新闻".encode("gbk"), None, '<meta charset="gbk">新闻'),
    ],
)
def test_decode_bytes(body: bytes, declared: str | None, expected: str) -> None:
    """UTF-8 (BOM or not) and the GB family decode; a wrong declared charset is overridden."""
    assert decode_bytes(body, declared) == expected


def test_20_mb_page_text_is_bounded() -> None:
    """A 20 MB page finishes in bounded time with a warning that it was cut."""
    body = SAMPLE_PAGE.read_bytes() * (20_000_000 // len(SAMPLE_PAGE.read_bytes()))
    started = time.perf_counter()
    issue = extract_document(Document("big.txt", body, role="page_text"))
    assert time.perf_counter() - started < 15
    assert any("cut to" in w for w in issue.warnings)
    assert issue.articles


def test_20_mb_single_line_is_bounded() -> None:
    """A 20 MB single line without punctuation does not hang any regex."""
    body = ("字" * 7_000_000).encode()
    started = time.perf_counter()
    extract_document(Document("line.txt", body, role="page_text"))
    assert time.perf_counter() - started < 10


def test_20_mb_html_is_bounded() -> None:
    """A 20 MB HTML page is cut and read in bounded time."""
    row = '<li><a href="content_1.htm">标题</a></li>'
    body = ("<html><body><ul>" + row * (20_000_000 // len(row.encode()))).encode()
    started = time.perf_counter()
    issue = extract_document(Document("big.html", body, role="page_index"))
    assert time.perf_counter() - started < 15
    assert len(issue.articles) == 1


_PIECES = st.sampled_from(
    ["本报讯", "□ 记者 张三", "（下转第五版）", "(上接第一版)", "导读", "。", "，", "\n", "\n\n",
     "锚定现代化 改革再深化", "我市召开会议", "2025年5月 星期五 16", "<p>", "</p>", "<founder-title>",
     "<a href='content_1.htm'>", "“", "”", "摄", "①2", " ", "\x00", "\ufffd", "农历乙巳年四月十九"]
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(pieces=st.lists(_PIECES, min_size=1, max_size=40), role=st.sampled_from(ROLES))
def test_arbitrary_input_never_raises_anything_else(pieces: list[str], role: DocumentRole) -> None:
    """Whatever the text, extraction returns an issue or raises ExtractionError, nothing else."""
    body = "".join(pieces).encode()
    try:
        issue = extract_document(Document("fuzz", body, role=role))
    except ExtractionError:
        return
    assert all(len(a.summary) <= 120 for a in issue.articles)
