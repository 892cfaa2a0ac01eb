"""Each e-paper preset reads the real page it was written against (pure parsing, no network)."""

from __future__ import annotations

from datetime import date

import pytest

from newsbot.sources._common import is_dated, url_dates
from newsbot.sources._html import (
    Link,
    PageIndex,
    decode_html,
    meta_refresh_target,
    page_name,
    page_number,
    parse_index,
    period_dates,
)
from newsbot.sources._presets import PRESETS
from newsbot.testing.sites import FakeArticle, FakePage, FakeSite

from .helpers import CORPUS

KJRB = "http://digitalpaper.stdaily.com/http_www.kjrb.com/kjrb/html/2023-02/10/node_2.htm"


def _index(name: str, preset: str, url: str) -> PageIndex:
    """Parse the corpus page ``epaper_html/<name>`` with ``preset``'s selectors."""
    body = (CORPUS / "epaper_html" / name).read_bytes()
    return parse_index(body, url, PRESETS[preset].selectors)


def test_founder_classic_kjrb_page() -> None:
    """科技日报 (Founder classic, UTF-8 with BOM): 8 pages, 5 articles, the page PDF."""
    index = _index("kjrb_20230210_node_2.htm", "founder-classic", KJRB)
    assert [page_number(p, i) for i, p in enumerate(index.pages, 1)] == list(range(1, 9))
    assert page_name(index.pages[0]) == "今日要闻"
    assert index.pages[0].url == KJRB  # "./node_2.htm" is the page itself
    assert [a.text for a in index.articles][:2] == [
        "新时代十年伟大变革奠定坚实基础",
        "开放共享 让大型科研仪器“忙”起来",
    ]
    assert len(index.articles) == 5
    assert index.pdf is not None
    assert index.pdf.endswith("/kjrb/images/2023-02/10/01/KJRB2023021001.pdf")


def test_founder_classic_srrb_page() -> None:
    """上饶日报 (Founder classic, table layout): 4 pages, 6 articles, page names kept."""
    url = "http://srrb.example/html/2024-01/01/node_2.htm"
    index = _index("srrb_20240101_node_2.htm", "founder-classic", url)
    assert [page_name(p) for p in index.pages] == [
        "头版",
        "要闻",
        "要闻·公益广告",
        "区域新闻",
    ]
    assert len(index.pages) == 4
    assert len(index.articles) == 6
    assert index.articles[0].text == "中俄两国元首互致新年贺电"


def test_founder_pc_catalogue_page() -> None:
    """岳阳日报 (a Founder-pc look-alike): 4 pages from the catalogue, 13 listed articles."""
    url = "https://szb.803.com.cn/pc/layout/200707/08/node_1.html"
    index = _index("yyrb_20070708_node_1.html", "founder-pc-catalogue", url)
    assert [page_name(p) for p in index.pages] == ["要闻", "综合", "文化", "专题"]
    assert len(index.articles) == 13
    assert (
        index.articles[0].url == "https://szb.803.com.cn/pc/layout/200707/08/content_99294003.html"
    )


def test_peoples_daily_article_links_skip_editor_lines() -> None:
    """人民日报 article links are found by their nw.D110000 URLs; 本版责编 lines are dropped."""
    url = "http://paper.people.com.cn/rmrb/html/2022-07/22/nbs.D110000renmrb_01.htm"
    index = _index("rmrb_crawler_index.html", "peoples-daily", url)
    assert len(index.articles) == 213 - 21  # 21 of the 213 links are editor lines
    assert not any("责编" in a.text for a in index.articles)
    assert all("nw.D110000renmrb_2022" in a.url for a in index.articles)


def test_founder_pc_fake_site_matches_the_founder_pc_preset() -> None:
    """The fake site's pages are what the founder-pc preset (义乌商报's selectors) expects."""
    with FakeSite() as site:
        page = FakePage("要闻", [FakeArticle("标题一", "正文")], pdf=b"%PDF")
        url = site.publish_founder_pc(date(2025, 5, 16), [page, FakePage("综合")])
        body = site.route("/layout/202505/16/node_01.html").body  # type: ignore[union-attr]
    index = parse_index(body, url, PRESETS["founder-pc"].selectors)
    assert [p.text for p in index.pages] == ["第01版：要闻", "第02版：综合"]
    assert [a.text for a in index.articles] == ["标题一"]
    assert index.pdf == url.replace("layout", "attachement").replace("node_01.html", "page_01.pdf")


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_example_urls_are_dated_templates(name: str) -> None:
    """Each preset's example URL is a template whose filled-in URL names that day."""
    example = PRESETS[name].example_url
    assert is_dated(example)
    day = date(2025, 5, 16)
    assert url_dates(example.format(date=day)) == {day}


@pytest.mark.parametrize(
    ("text", "url", "number", "name"),
    [
        ("第01版：要闻", "node_01.html", 1, "要闻"),
        ("第12版: 文体", "x.html", 12, "文体"),
        ("01版：要闻", "nbs.D110000renmrb_01.htm", 1, "要闻"),
        ("", "http://a/layout/202505/16/node_07.html", 7, None),
        ("要闻", "page.html", 3, "要闻"),
    ],
)
def test_page_numbers_and_names(text: str, url: str, number: int, name: str | None) -> None:
    """A page's number comes from its link text, else its URL, else its position."""
    link = Link(url=url, text=text)
    assert page_number(link, 3) == number
    assert page_name(link) == name


def test_period_xml_dates() -> None:
    """period.xml lists issue dates in either spelling; broken XML lists none."""
    xml = (
        b"<?xml version='1.0'?><root><period><period_date>2025-05-15</period_date></period>"
        b"<period><period_date>20250516</period_date></period></root>"
    )
    assert period_dates(xml) == {date(2025, 5, 15), date(2025, 5, 16)}
    assert period_dates(b"<html>oops") == set()


def test_gbk_pages_decode_with_or_without_a_declared_charset() -> None:
    """GBK bytes decode as GB18030 when declared gb2312, and when nothing is declared."""
    body = "<p>义乌商报 第01版</p>".encode("gbk")
    assert "义乌商报" in decode_html(body, "gb2312")
    assert "义乌商报" in decode_html(body, None)


def test_meta_refresh_target_of_paperindex() -> None:
    """Founder classic's paperindex.htm sends readers to today's front page by meta refresh."""
    body = b'<html><head><meta http-equiv="REFRESH" content="0; URL=html/2023-02/10/node_2.htm">'
    target = meta_refresh_target(body, "http://a.cn/kjrb/paperindex.htm")
    assert target == "http://a.cn/kjrb/html/2023-02/10/node_2.htm"
    assert meta_refresh_target(b"<html><body>x</body></html>", "http://a.cn/") is None
