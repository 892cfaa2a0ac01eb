"""E-paper HTML: page indexes, article pages and fragments, anti-bot pages."""

from __future__ import annotations

from datetime import date

import pytest
from tests.extract.conftest import MakeDoc

from newsbot.extract import extract, extract_document, guess_role
from newsbot.models import Document, RawIssue

KJRB_URL = "http://digitalpaper.stdaily.com/http_www.kjrb.com/kjrb/html/2023-02/10/node_2.htm"
SRRB_URL = "http://srrb.srxww.com/srrb/html/2024-01/01/node_2.htm"
YYRB_URL = "https://www.803.com.cn/yyrb/html/2007-07/08/node_1.html"


def test_founder_classic_index(doc: MakeDoc) -> None:
    """A Founder classic layout page yields page number, name, date, paper and its 5 articles."""
    issue = extract_document(
        doc("epaper_html/kjrb_20230210_node_2.htm", "page_index", url=KJRB_URL)
    )
    assert (issue.paper, issue.date) == ("科技日报", date(2023, 2, 10))
    assert (issue.page, issue.page_name) == (1, "今日要闻")
    assert [a.headline for a in issue.articles] == [
        "新时代十年伟大变革奠定坚实基础",
        "开放共享 让大型科研仪器“忙”起来",
        "中国式现代化是中国共产党领导的社会主义现代化",
        "花香春意浓",
        "在纳米级薄膜上，飞秒激光实现全彩色无油墨打印",
    ]
    assert issue.articles[0].url == KJRB_URL.replace("node_2.htm", "content_548643.htm")
    assert all(a.body == "" and a.page == 1 for a in issue.articles)


def test_founder_classic_index_with_page_properties(doc: MakeDoc) -> None:
    """The enpproperty page fields after </html> and the printed 第01版：头版 give the page."""
    issue = extract_document(
        doc("epaper_html/srrb_20240101_node_2.htm", "page_index", url=SRRB_URL)
    )
    assert (issue.paper, issue.date, issue.page, issue.page_name) == (
        "上饶日报",
        date(2024, 1, 1),
        1,
        "头版",
    )
    assert len(issue.articles) == 6
    assert issue.articles[2].headline == "问出“痛点与辣味” 答出“担当与承诺”"
    assert issue.articles[5].url == SRRB_URL.replace("node_2.htm", "content_2495346.htm")


def test_lookalike_index(doc: MakeDoc) -> None:
    """The yyrb look-alike: page from the page list entry that links to itself, 13 articles."""
    issue = extract_document(
        doc("epaper_html/yyrb_20070708_node_1.html", "page_index", url=YYRB_URL)
    )
    assert (issue.paper, issue.date, issue.page, issue.page_name) == (
        "岳阳日报",
        date(2007, 7, 8),
        1,
        "要闻",
    )
    assert len(issue.articles) == 13
    assert issue.articles[-1].headline == "全市农村改厕工作成效显著"


def test_peoples_daily_index_skips_editor_entries(doc: MakeDoc) -> None:
    """People's Daily entries keep their own page and page name; 责编 entries are skipped."""
    issue = extract_document(doc("epaper_html/rmrb_crawler_index.html", "page_index"))
    assert len(issue.articles) == 192
    assert not any("责编" in a.headline or "责任编辑" in a.headline for a in issue.articles)
    first = next(a for a in issue.articles if a.headline == "习近平向世界青年发展论坛致贺信")
    assert (first.page, first.page_name) == (1, "要闻")
    assert first.url is not None
    assert first.url.endswith("nw.D110000renmrb_20220722_1-01.htm")
    pages = [a.page or 0 for a in issue.articles]
    assert pages == sorted(pages)


def test_hubei_daily_fragments(doc: MakeDoc) -> None:
    """The 32 Founder pc fragments yield 32 articles with kicker, headline, subtitle, authors."""
    issue = extract_document(doc("epaper_html/hubeidaily_20230211_fragments.html", "article_page"))
    assert len(issue.articles) == 32
    assert issue.date == date(2023, 2, 11)
    by_url = {a.url.rsplit("/", 1)[-1]: a for a in issue.articles if a.url}
    carbon = by_url["content_211248.html"]
    assert (carbon.kicker, carbon.headline) == (
        "全国碳市场和碳金融中心建设蹄疾步稳",
        "中碳登喜迎首批“碳客”",
    )
    assert carbon.authors == ("左晨",)
    assert carbon.body.startswith("新年伊始")
    assert carbon.captions[0].startswith("2月7日，中碳登大厦3楼")
    deposits = by_url["content_211262.html"]
    assert deposits.authors == ("张阳春", "熊能")
    assert deposits.summary.startswith("39天时间，净增存款突破1000亿元")
    xi = by_url["content_211242.html"]
    assert xi.subtitle == "以仁心仁术造福当地人民 以实际行动讲好中国故事"
    assert xi.page == 1
    essay = by_url["content_211244.html"]
    assert essay.subtitle is not None
    assert essay.subtitle.startswith("——论深入学习领会")
    assert by_url["content_211250.html"].byline == "湖北日报评论员"
    assert by_url["content_211250.html"].authors == ()
    assert by_url["content_211254.html"].authors == ("向祖文",)
    assert by_url["content_211247.html"].authors == ("张爱虎", "杨富春", "张令子", "汪芳")
    photo = by_url["content_211263.html"]
    assert photo.authors == ("薛婷", "肖江涛", "张成")
    assert "摄" not in photo.body
    assert all(a.headline for a in issue.articles)
    assert all(not a.summary.startswith(("湖北日报讯", "（", "新华社")) for a in issue.articles)


def test_trailing_byline_and_caption(doc: MakeDoc) -> None:
    """A body with a photo caption, 本报讯 and a closing （布琳  张伟杰） reads right."""
    issue = extract_document(doc("epaper_html/taigu_article_body.html", "article_page"))
    (article,) = issue.articles
    assert article.authors == ("布琳", "张伟杰")
    assert article.captions == ("领导、嘉宾观看画展。（布琳摄）",)
    assert article.body.startswith("本报讯 九月深秋")
    assert "张伟杰" not in article.body
    assert article.summary.startswith("九月深秋，风轻云淡。")
    assert any("without a headline" in w for w in issue.warnings)


@pytest.mark.parametrize("name", ["blocked_slider_captcha.html", "blocked_ts_challenge.html"])
@pytest.mark.parametrize("role", ["page_index", "article_page"])
def test_blocked_pages_yield_no_articles(doc: MakeDoc, name: str, role: str) -> None:
    """An anti-bot wall is not an issue: no articles, no traceback."""
    issue = extract_document(doc(f"epaper_html/{name}", role))  # type: ignore[arg-type]
    assert issue.articles == ()


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("epaper_html/kjrb_20230210_node_2.htm", "page_index"),
        ("epaper_html/srrb_20240101_node_2.htm", "page_index"),
        ("epaper_html/yyrb_20070708_node_1.html", "page_index"),
        ("epaper_html/hubeidaily_20230211_fragments.html", "article_page"),
        ("epaper_html/taigu_article_body.html", "article_page"),
        ("feeds/qq_news_china_gb2312_20180918.xml", "feed"),
        ("page_text/henan_daily_20100910.txt", "page_text"),
    ],
)
def test_guess_role(doc: MakeDoc, name: str, role: str) -> None:
    """The role is recognised from the bytes (Founder fields hidden in comments do not fool it)."""
    assert guess_role(doc(name, "page_text").body) == role


def test_article_page_replaces_its_index_entry(doc: MakeDoc) -> None:
    """An article page whose headline is listed in the index replaces that entry."""
    index = doc("epaper_html/kjrb_20230210_node_2.htm", "page_index", url=KJRB_URL)
    html = (
        "<html><body><founder-title>花香春意浓</founder-title><founder-content>"
        "<p>本报讯（记者张三）春天来了，公园里花香四溢。</p></founder-content></body></html>"
    )
    article = Document(url="http://x/content_1.htm", body=html.encode(), role="article_page")
    issue = extract(RawIssue("kjrb", "2023-02-10", (index, article)))
    flowers = [a for a in issue.articles if a.headline == "花香春意浓"]
    assert len(flowers) == 1
    assert flowers[0].authors == ("张三",)
    assert len(issue.articles) == 5
    assert (issue.page, issue.page_name) == (1, "今日要闻")  # the article page adds no page


def test_gbk_article_page_with_wrong_declared_charset() -> None:
    """A GBK article page served as UTF-8 is decoded as GB18030 anyway."""
    html = (
        '<html><head><meta charset="utf-8"><title>测试日报</title></head><body>'
        "<founder-title>市区新增三条公交线路</founder-title><founder-content>"
        "<p>本报讯（记者李四）昨日起，市区新增三条公交线路，方便市民出行。</p>"
        "</founder-content></body></html>"
    )
    body = html.encode("gbk")
    issue = extract_document(Document("u", body, role="article_page", charset="utf-8"))
    (article,) = issue.articles
    assert article.headline == "市区新增三条公交线路"
    assert article.authors == ("李四",)
    assert issue.paper == "测试日报"


def test_founder_pc_layout_index_in_gbk(doc: MakeDoc) -> None:
    """A GBK Founder pc layout page: page from its own page-list link, articles from the list."""
    url = "http://szb1.ywcity.cn/layout/202505/16/node_01.html"
    name = "epaper_html/synthetic_founder_pc_layout_node_01.html"
    issue = extract_document(doc(name, "page_index", url=url))
    assert (issue.paper, issue.date, issue.page, issue.page_name) == (
        "义乌商报",
        date(2025, 5, 16),
        1,
        "要闻",
    )
    assert [(a.headline, a.url) for a in issue.articles] == [
        (
            "凝聚精准治理合力 深化“护企优商”举措",
            "http://szb1.ywcity.cn/content/202505/16/content_1001.html",
        ),
        ("衢州市党政代表团来金考察", "http://szb1.ywcity.cn/content/202505/16/content_1002.html"),
    ]


def test_founder_article_page_with_photo_table(doc: MakeDoc) -> None:
    """Kicker and page from enpproperty, □ byline in the body, the photo table as caption."""
    url = "http://szb1.ywcity.cn/content/202505/16/content_1001.html"
    issue = extract_document(
        doc("epaper_html/synthetic_founder_article_page.html", "article_page", url=url)
    )
    (article,) = issue.articles
    assert (article.kicker, article.headline) == (
        "“跨境电商直播”专项技能考场搬到了海外",
        "义乌“技能出海”花开摩洛哥",
    )
    assert (article.page, article.page_name, article.url) == (1, "要闻", url)
    assert (article.byline, article.authors) == ("全媒体记者 林晓燕", ("林晓燕",))
    assert article.captions == ("学员参加考核。 全媒体记者 林晓燕 摄",)
    assert article.body.startswith("本报讯 摩洛哥当地时间")
    assert article.summary.startswith("摩洛哥当地时间5月13日")
    assert (issue.paper, issue.date) == ("义乌商报", date(2025, 5, 16))
