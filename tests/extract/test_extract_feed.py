"""RSS/Atom feeds: GB2312 bytes, undeclared encodings, broken XML, non-RFC dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from tests.extract.conftest import MakeDoc

from newsbot.extract import extract_document
from newsbot.models import Document

BEIJING = timezone(timedelta(hours=8))


def test_qq_news_gb2312_feed(doc: MakeDoc) -> None:
    """A GB2312 feed yields every entry with title, link, local date and a clean summary."""
    issue = extract_document(doc("feeds/qq_news_china_gb2312_20180918.xml", "feed"))
    assert issue.paper == "新闻国内"
    assert len(issue.articles) == 20
    first = issue.articles[0]
    assert first.headline == "习近平为何如此强调崇尚英雄？"
    assert first.url == "http://news.qq.com/a/20180918/009846.htm"
    assert first.published_at == datetime(2018, 9, 18, 14, 38, 10, tzinfo=BEIJING)
    assert first.body.startswith("编者按：历史是人民书写的")
    assert all(len(a.summary) <= 120 for a in issue.articles)
    third = issue.articles[2]
    assert not third.summary.startswith("中新网")  # the dateline "…9月18日电" is not summary


def test_qq_tech_feed(doc: MakeDoc) -> None:
    """The single-entry GB2312 feed with an ISO date decodes to its one article."""
    issue = extract_document(doc("feeds/qq_tech_internet_gb2312_201809.xml", "feed"))
    (article,) = issue.articles
    assert article.headline == "拟298亿元重组盛大游戏后 世纪华通发20亿回购预案"
    assert article.published_at == datetime(2018, 9, 19, 5, 11, 22, tzinfo=UTC)


def test_undeclared_gb2312_feed(doc: MakeDoc) -> None:
    """GB2312 bytes with no encoding declared anywhere are still read as Chinese."""
    issue = extract_document(doc("feeds/illformed__chardet__gb2312.xml", "feed"))
    assert [a.headline for a in issue.articles] == ["不归移民漫画系列：专业工作"]


def test_http_charset_gb2312_atom(doc: MakeDoc) -> None:
    """An empty Atom feed declared GB2312 over HTTP gives an empty issue, no error."""
    issue = extract_document(doc("feeds/encoding__http_application_atom_xml_gb2312_charset.xml",
                                 "feed", charset="gb2312"))  # fmt: skip
    assert issue.articles == ()


def test_double_encoded_html_is_repaired(doc: MakeDoc) -> None:
    """UTF-8 read as Latin-1 and re-encoded ("â\\x80¦") comes back as "…"."""
    issue = extract_document(doc("feeds/encoding__bozo_double-encoded-html.xml", "feed"))
    (article,) = issue.articles
    assert article.body == "…"


def test_broken_feeds_do_not_raise(doc: MakeDoc) -> None:
    """Incomplete CDATA and corrupted ampersands give a best-effort issue, not a traceback."""
    cdata = extract_document(doc("feeds/illformed__rss_incomplete_cdata.xml", "feed"))
    assert cdata.paper == "can feedparser read this xml"
    assert cdata.articles == ()
    links = extract_document(doc("feeds/illformed__rss_item_link_corrupted_ampersands.xml", "feed"))
    assert links.articles == ()  # an entry with only a link is not an article


def test_entry_paragraphs_from_html_or_plain_text() -> None:
    """Entry HTML splits at block tags; plain text at line ends; blank lines are dropped."""
    from newsbot.extract._feed import html_paragraphs

    assert html_paragraphs("<p>第一段 </p><br/><p>\u3000第二段</p>") == ["第一段", "第二段"]
    assert html_paragraphs("第一段\n\n  第二段  \n") == ["第一段", "第二段"]
    assert html_paragraphs("") == []


def test_atom_author_names_become_the_authors() -> None:
    """Each Atom <author><name> of an entry is one of the article's authors."""
    body = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>某某日报</title>
<entry><title>全省秋粮收购有序推进</title><link href="http://x.cn/a/1.html"/><id>1</id>
<updated>2024-10-11T08:00:00+08:00</updated>
<author><name>张三</name></author><author><name>李四</name></author>
<content type="html">&lt;p&gt;本报讯 连日来，全省秋粮收购工作有序推进。&lt;/p&gt;</content></entry>
</feed>""".encode()
    (article,) = extract_document(Document("http://x.cn/atom.xml", body, role="feed")).articles
    assert article.authors == ("张三", "李四")
