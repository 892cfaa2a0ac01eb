"""The generic layer: index links found by structure, article pages read by content, page facts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from tests.extract.conftest import MakeDoc

from newsbot.extract import extract_document, guess_role
from newsbot.extract._byline import field_byline, split_lead
from newsbot.extract._labels import find_label_field, read_label
from newsbot.extract._links import url_shape
from newsbot.extract._page_facts import paper_name, printed_datetime
from newsbot.models import Document

WIDE = Path(__file__).resolve().parents[1] / "fixtures" / "extract" / "wide" / "tuning"
GUILIN_URL = "https://epaper.guilinlife.com/glrbh5/glrb/20241011/Page01BC.htm"


@pytest.mark.parametrize(
    ("text", "label", "number", "name"),
    [
        ("第A01版：头版", "A01", 1, "头版"),
        ("A01版： 首版", "A01", 1, "首版"),
        ("01版:头版", "01", 1, "头版"),
        ("第001版：要闻", "001", 1, "要闻"),
        ("第B03版", "B03", 3, None),
        ("第十二版：专版", "12", 12, "专版"),
        ("第01版：要闻-大河报数字报", "01", 1, "要闻"),
    ],
)
def test_page_labels_keep_the_printed_label(
    text: str, label: str, number: int, name: str | None
) -> None:
    """A printed page label keeps its letter and digits; the number is the printed one."""
    found = read_label(text)
    assert found is not None
    assert (found.label, found.number, found.name) == (label, number, name)


def test_a_list_of_pages_is_not_a_page_name() -> None:
    """'第1版：…第8版：' (a page list run together) names no page."""
    found = read_label("第1版：…第8版：")
    assert found is not None
    assert found.name is None


def test_label_field_of_an_article_page() -> None:
    """'版次：A02' and '版面：第06版：要闻' inside a line give the page; a date after is no name."""
    field = find_label_field("来源：某某晚报 版次：A02 发布日期：2024-01-02")
    assert field is not None
    assert (field.label, field.number, field.name) == ("A02", 2, None)
    field = find_label_field("版面：第06版：要闻 ")
    assert field is not None
    assert (field.label, field.name) == ("06", "要闻")


def test_url_shape_makes_digit_runs_alike() -> None:
    """Links of one kind share a shape whatever their numbers; pages and articles differ."""
    a = url_shape("http://x.cn/pc/con/202410/11/c1234567.html")
    b = url_shape("http://x.cn/pc/con/202410/11/c98.html")
    assert a == b
    assert url_shape("http://x.cn/c/20241011/Articel01002NR.htm") != url_shape(
        "http://x.cn/c/20241011/Page01BC.htm"
    )


def test_whole_issue_index_gives_each_article_its_page() -> None:
    """A PageNNBC whole-issue index: <br>-split titles joined, each article under its own page."""
    body = (WIDE / "guilin-ribao" / "Page01BC.htm").read_bytes()
    assert guess_role(body, GUILIN_URL) == "page_index"
    issue = extract_document(Document(GUILIN_URL, body, role="page_index"))
    assert (issue.paper, issue.date, issue.page, issue.page_name) == (
        "桂林日报",
        date(2024, 10, 11),
        1,
        "头版",
    )
    first = issue.articles[0]
    assert first.headline == "习近平致电祝贺赛义德 当选连任突尼斯总统"
    assert first.url == GUILIN_URL.replace("Page01BC", "Articel01001NR")
    pages = {a.page_label for a in issue.articles}
    assert {"01", "02", "03"} <= pages
    assert [a.page or 0 for a in issue.articles] == sorted(a.page or 0 for a in issue.articles)
    assert not any("版" in a.headline and "下一版" in a.headline for a in issue.articles)


def test_daoxiang_links_and_nav_are_read_by_structure() -> None:
    """Links kept in a 'daoxiang' attribute are articles; '前一版 下一版 <date>' is not one."""
    html = """<html><head><title>新华每日电讯</title></head><body>
    <div><a href="Page01BC.htm">前一版</a> <a href="Page02BC.htm">下一版</a> 2024年10月11日</div>
    <h4><a href="Page01BC.htm">01版：要闻</a></h4>
    <ul><li><a daoxiang="Articel01002NR.htm">习近平在会见时强调<br>坚定推进高水平对外开放</a></li>
    <li><a daoxiang="Articel01003NR.htm">厚植中国式现代化的平安底色</a></li></ul>
    <h4><a href="Page02BC.htm">02版：文化</a></h4>
    <ul><li><a daoxiang="Articel02002NR.htm">中美关系新定位的历史意义</a></li></ul>
    </body></html>""".encode()
    url = "http://mrdx.cn/content/20241011/Page01BC.htm"
    issue = extract_document(Document(url, body=html, role=guess_role(html, url)))
    assert [(a.headline, a.page) for a in issue.articles] == [
        ("习近平在会见时强调 坚定推进高水平对外开放", 1),
        ("厚植中国式现代化的平安底色", 1),
        ("中美关系新定位的历史意义", 2),
    ]
    assert issue.paper == "新华每日电讯"


def test_title_list_inside_ozoom_is_an_index_and_role_is_obeyed() -> None:
    """A title list in div#ozoom reads as a page index; --role article_page still overrides."""
    html = """<html><head><title>人民日报</title></head><body>
    <p class="left ban">第06版：国际</p><div id="ozoom"><ul>
    <li><a href="nw.D110000renmrb_20241011_1-06.htm">中方愿同各方一道推动和平进程</a></li>
    <li><a href="nw.D110000renmrb_20241011_2-06.htm">多国人士积极评价中国发展成就</a></li>
    </ul></div></body></html>""".encode()
    url = "http://paper.people.com.cn/rmrb/html/2024-10/11/nbs.D110000renmrb_06.htm"
    assert guess_role(html) == "page_index"
    issue = extract_document(Document(url, html, role="page_index"))
    assert (issue.page, issue.page_name, len(issue.articles)) == (6, "国际", 2)
    forced = extract_document(Document(url, html, role="article_page"))
    assert len(forced.articles) <= 1
    assert all(a.url == url for a in forced.articles)


def test_lead_with_place_and_date_gives_the_byline() -> None:
    """'本报太原11月5日讯（记者 翟步庭）' is a lead: marker and byline split off the text."""
    assert split_lead("本报太原11月5日讯（记者 翟步庭）昨日，全省……。") == (
        "本报太原11月5日讯",
        "（记者 翟步庭）",
        "昨日，全省……。",
    )


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("发布日期：2019-09-23 来源：某某日报 作者：王小明", "王小明"),
        ("本文来源：山西日报 作者：张三", "张三"),
        ("记者：王五 编辑：赵六", "王五"),
        ("作者：王小明 | 近日，市区新增", "王小明"),
        ("记者：谢谢。", None),
    ],
)
def test_field_bylines(text: str, names: str | None) -> None:
    """A labelled byline field names its people and stops at the next field or line."""
    assert field_byline(text) == names


@pytest.mark.parametrize(
    ("title", "paper"),
    [
        ("安徽日报农村版", "安徽日报农村版"),
        ("科技日报--数字报", "科技日报"),
        ("“金鹏之夜”盛典昨晚举行_深圳晚报数字报", "深圳晚报"),
        ("山西经济网数字报平台-山西经济日报", "山西经济日报"),
        ("人民日报海外版", "人民日报海外版"),
        ("某某日报电子版", "某某日报"),
    ],
)
def test_paper_names_from_titles(title: str, paper: str) -> None:
    """The paper's name from a page title, whole, without 数字报/电子版 or site suffixes."""
    assert paper_name(title) == paper


def test_printed_dates_with_times() -> None:
    """'2016年10月14日07:17' and '2018-10-14 07:57:57' give the date and the moment."""
    day, moment = printed_datetime("2016年10月14日07:17")
    assert day == date(2016, 10, 14)
    assert moment is not None
    assert (moment.hour, moment.minute) == (7, 17)
    day, moment = printed_datetime("2018-10-14 07:57:57")
    assert moment is not None
    assert (moment.day, moment.second) == (14, 57)


def test_kicker_that_repeats_the_headline_is_dropped() -> None:
    """A page filling the kicker field with the title has no kicker: text never shows it twice."""
    html = """<html><head><title>x</title></head><body>
    <founder-introtitle>皖北小麦喜获丰收</founder-introtitle><founder-title>皖北小麦喜获丰收</founder-title>
    <founder-content><p>本报讯 连日来，皖北各地抢抓晴好天气，组织机械收割小麦。</p></founder-content>
    </body></html>""".encode()
    (article,) = extract_document(Document("u", html, role="article_page")).articles
    assert (article.kicker, article.headline) == (None, "皖北小麦喜获丰收")


def test_markup_bang_is_no_sentence_end() -> None:
    """The '!' of '<!channel>' and the '?' of a URL query do not cut a sentence in two."""
    from newsbot.extract._summary import sentences

    assert sentences("提醒<!channel>各位注意安全。明天见。") == [
        "提醒<!channel>各位注意安全。",
        "明天见。",
    ]
    assert sentences("详见 http://x.cn/a.php?id=1 的通知。好！") == [
        "详见 http://x.cn/a.php?id=1 的通知。",
        "好！",
    ]


CMS_PAGE = """<html><head><title>市区新增三处口袋公园_本地新闻_某某新闻网</title></head><body>
<div class="header"><a href="/">首页</a><a href="/news/">新闻</a><a href="/sports/">体育</a></div>
<div class="main"><h1>市区新增三处口袋公园</h1>
<div class="info">发布日期：2019-09-23 来源：某某日报 作者：责任编辑：赵六</div>
<div class="content">
<p>近日，市区新增三处口袋公园，为周边居民提供了休闲健身的好去处。</p>
<p>据介绍，这三处口袋公园总面积约5000平方米，栽种了多种花木，设置了座椅和健身器材。</p>
<p>下一步，我市将继续推进城市微更新，让群众在家门口感受城市温度。(文/图 张三 李四)</p>
<p>（编辑：王五）</p>
<div class="qr"><p>用微信扫码二维码，分享至好友和朋友圈</p></div>
<div class="comment"><h3>留言与评论（共有 0 条评论）</h3><p>匿名发表 登录账号</p><p>验证码：</p></div>
</div></div>
<div class="side"><h3>热门文章</h3><ul><li><a href="/n/1.html">某地举办金秋文化节活动</a></li>
<li><a href="/n/2.html">全市中小学秋季开学</a></li><li><a href="/n/3.html">城区道路改造完成</a></li></ul>
<h3>大家都爱看</h3><ul><li><a href="/n/4.html">新建图书馆正式开放迎客</a></li></ul></div>
<div class="footer">版权所有 某某新闻网 ICP备12345号</div></body></html>"""


def test_cms_article_page_drops_the_site_chrome() -> None:
    """An ordinary CMS page: h1 headline, no widget title as kicker, no comment form, QR prompt
    or editor line in the body, the closing (文/图 …) as authors, 发布日期 as the date."""
    body = CMS_PAGE.encode()
    assert guess_role(body, "http://www.x.cn/n/99.html") == "article_page"
    issue = extract_document(Document("http://www.x.cn/n/99.html", body, role="article_page"))
    (article,) = issue.articles
    assert (article.kicker, article.headline, article.subtitle) == (
        None,
        "市区新增三处口袋公园",
        None,
    )
    assert article.authors == ("张三", "李四")
    assert issue.date == date(2019, 9, 23)
    assert article.body.endswith("感受城市温度。")
    for chrome in ("验证码", "匿名发表", "扫码", "热门文章", "编辑", "版权所有"):
        assert chrome not in article.body
    assert article.captions == ()
    assert article.summary.startswith("近日，市区新增三处口袋公园")


def test_pen_names_and_credit_words() -> None:
    """'执笔/叨叨姐、胡一刀&李小飞刀' names three people; '整合' after a name is a credit."""
    from newsbot.extract._byline import parse_authors

    assert parse_authors("执笔/叨叨姐、胡一刀&李小飞刀") == ("叨叨姐", "胡一刀", "李小飞刀")
    assert parse_authors("记者陈智 整合") == ("陈智",)
    assert parse_authors("记者王飞李永") == ("王飞", "李永")


def test_page_facts_printed_in_attributes_and_source_lines() -> None:
    """'版次：第001版：版名：要闻' (a page image's title) and '（2024年05月20日 03版）' give pages."""
    field = find_label_field("报名：福州日报 版次：第001版：版名：要闻 日期：20240822")
    assert field is not None
    assert (field.label, field.number, field.name) == ("001", 1, "要闻")
    field = find_label_field("《光明日报》（2024年05月20日 03版）")
    assert field is not None
    assert (field.label, field.number) == ("03", 3)
    for line in ("人民日报 2024-05-20 第03版 ", "《经济日报》 2024年05月20日 03 版"):
        field = find_label_field(line)
        assert field is not None
        assert field.number == 3
    assert find_label_field("2024年05月20日 10:30 来源：人民网") is None


@pytest.mark.parametrize(
    ("title", "site"),
    [
        ("美联储维持利率不变_南方网", "南方网"),
        ("中国日报网", "中国日报网"),
        ("宇航员 _探索者 _光明网", "光明网"),
    ],
)
def test_news_site_names_from_titles(title: str, site: str) -> None:
    """A title segment naming a news site (…网) names it when no paper is named."""
    assert paper_name(title) == site


def test_hidden_share_preview_is_no_heading() -> None:
    """A display:none share preview (h1 + h2) gives neither the headline nor a subtitle."""
    html = """<html><head><title>外国专家：合作共赢_中国日报网</title></head><body>
    <div style="display: none;"><h1>外国专家：合作共赢</h1><h2>预览摘要，不是副题。</h2></div>
    <div class="main"><h1>外国专家：合作共赢</h1><div class="content">
    <p>在美国旧金山举行的会晤吸引了全世界的目光，多名外国专家表示合作共赢符合各方利益。</p>
    <p>专家们认为，双方应当采取更多行动，推动关系稳定发展，这符合两国人民的利益。</p>
    </div></div></body></html>""".encode()
    (article,) = extract_document(Document("u", html, role="article_page")).articles
    assert (article.headline, article.subtitle) == ("外国专家：合作共赢", None)


def test_dotted_dates_and_page_lists() -> None:
    """'2018.01.05' is a date; a page listing the issue's pages (no article links, no body)
    is a page index."""
    from newsbot.extract._html_common import find_date

    assert find_date("[湘声报] 2018.01.05 第A01版") == date(2018, 1, 5)
    assert find_date("v1.2.3 版本") is None
    html = (
        "<html><head><title>检索</title></head><body>"
        + "".join(f"<p>[湘声报] 2018.01.05 第A0{n}版 头版</p>" for n in range(1, 5))
        + "</body></html>"
    )
    assert guess_role(html.encode()) == "page_index"


def test_opening_field_byline_and_author_element() -> None:
    """'文/张三' above the text and a labelled field in class=author give the authors."""
    page = """<html><head><title>城区道路改造完成_某某网</title></head><body><h1>城区道路改造完成</h1>
    <div class="content"><p>文/张三</p><p>近日，城区主干道改造工程全面完工，道路通行能力明显提升，市民出行更加便捷。</p>
    <p>据了解，工程历时半年，共改造道路十二公里，新增停车位三百余个，方便群众出行。</p></div></body></html>"""
    (article,) = extract_document(Document("u", page.encode(), role="article_page")).articles
    assert article.authors == ("张三",)
    assert article.body.startswith("近日")
    marked = page.replace("<p>文/张三</p>", "").replace(
        "<h1>城区道路改造完成</h1>",
        '<h1>城区道路改造完成</h1><span class="author">作者：李四</span>',
    )
    (article,) = extract_document(Document("u", marked.encode(), role="article_page")).articles
    assert article.authors == ("李四",)


def test_index_page_label_from_its_own_link_or_title() -> None:
    """An index whose only label is the page-list link to itself, or its <title>, has its page."""
    links = "".join(
        f'<li><a href="c/{n}.htm">城市更新让老街区焕发新活力之{n}</a></li>' for n in range(1, 4)
    )
    html = f"""<html><head><title>某某晚报-A02版:要闻-2024年10月11日</title></head><body>
    <a href="Page01BC.htm">A01版：头版</a><a href="Page02BC.htm">A02版：要闻</a><ul>{links}</ul>
    </body></html>"""
    url = "http://x.cn/20241011/Page02BC.htm"
    issue = extract_document(Document(url, html.encode(), role="page_index"))
    assert (issue.page, issue.page_label, issue.page_name) == (2, "A02", "要闻")
    untitled = html.replace('<a href="Page02BC.htm">A02版：要闻</a>', "")
    issue = extract_document(Document(url, untitled.encode(), role="page_index"))
    assert (issue.page, issue.page_label, issue.page_name) == (2, "A02", "要闻")


def test_byline_in_the_header_of_a_title_box() -> None:
    """'本报记者 张三 通讯员 李四' in the info line of the box holding the <h1> gives the authors."""
    page = """<html><head><title>城区道路改造完成_某某网</title></head><body>
    <div class="title-box"><h1>城区道路改造完成</h1></div>
    <div class="info">2024-10-11 08:00 来源：某某日报 本报记者 张三 通讯员 李四</div>
    <div class="content"><p>近日，城区主干道改造工程全面完工，道路通行能力明显提升，市民出行更加便捷。</p>
    <p>据了解，工程历时半年，共改造道路十二公里，新增停车位三百余个，方便群众出行。</p></div></body></html>"""
    issue = extract_document(Document("u", page.encode(), role="article_page"))
    (article,) = issue.articles
    assert article.authors == ("张三", "李四")
    assert article.published_at is not None
    assert (article.published_at.date(), article.published_at.hour) == (date(2024, 10, 11), 8)


def test_short_titles_in_the_cluster_and_staff_lines() -> None:
    """Inside the article-link cluster '公 告' is a title; '编辑' (a staff line) never is."""
    links = "".join(
        f'<li><a href="Articel0100{n}NR.htm">{t}</a></li>'
        for n, t in enumerate(
            ["城市更新让老街区焕发新活力", "公 告", "编辑", "全市中小学秋季开学"], 1
        )
    )
    html = f"<html><head><title>x</title></head><body><ul>{links}</ul></body></html>"
    issue = extract_document(
        Document("http://x.cn/c/Page01BC.htm", html.encode(), role="page_index")
    )
    assert [a.headline for a in issue.articles] == [
        "城市更新让老街区焕发新活力",
        "公 告",
        "全市中小学秋季开学",
    ]


def test_bold_sentence_after_a_photo_is_text_not_caption() -> None:
    """After a photo, a bold sentence is the story's lead-in; a centred line is the caption."""
    body = (
        '<html><body><div class="content"><p><img src="a.jpg"></p>'
        "<p><strong>西方世界的一些人正试图串联起来。</strong></p>"
        "<p>今天，来自八个国家的政客组成了一个所谓联盟，号称要协调立场，引起各方关注和评论。</p>"
        '<p><img src="b.jpg"></p><p style="text-align: center"><strong>会场一角。</strong></p>'
        "<p>分析人士指出，这种做法不得人心，注定不会有什么结果，各方应当理性看待。</p>"
        "</div></body></html>"
    )
    (article,) = extract_document(Document("u", body.encode(), role="article_page")).articles
    assert article.body.startswith("西方世界的一些人正试图串联起来。")
    assert article.captions == ("会场一角。",)


def test_an_index_read_as_an_article_gives_no_chrome_article(doc: MakeDoc) -> None:
    """Forced to read a page index as an article, extraction finds no article (and says so)
    rather than one untitled 'article' of navigation and notices."""
    issue = extract_document(doc("epaper_html/kjrb_20230210_node_2.htm", "article_page"))
    assert issue.articles == ()
    assert any("no article text found" in w for w in issue.warnings)


def test_peoples_daily_style_article_page_facts() -> None:
    """h3/h1/h2 around the headline, 'p.sec' with the source line: authors without the source,
    the issue date and page from '《人民日报》（2026年08月03日 第 04 版）', editors dropped."""
    html = """<html><head><title>人民日报</title></head><body><div class="article">
    <h3>引题在此</h3><h1>推进新型城镇化建设</h1><h2>副题在此</h2>
    <p class="sec">本报记者 张三 <span class="date">《人民日报》（<span>2026年08月03日</span> 第 04 版）</span></p>
    <div id="ozoom"><p>本报北京8月2日电 两办印发《关于推进新型城镇化建设的意见》，要求各地区认真贯彻落实。</p>
    <p>意见提出，到2030年常住人口城镇化率达到70%左右，农业转移人口市民化质量显著提升。</p></div>
    <div class="edit"><p>（责编：袁勃、赵欣悦）</p></div></div></body></html>"""
    issue = extract_document(Document("u", html.encode(), role="article_page"))
    (article,) = issue.articles
    assert (article.kicker, article.headline, article.subtitle) == (
        "引题在此",
        "推进新型城镇化建设",
        "副题在此",
    )
    assert article.authors == ("张三",)
    assert (issue.date, article.page, article.page_label) == (date(2026, 8, 3), 4, "04")
    assert "责编" not in article.body
    assert article.summary.startswith("两办印发")


def test_index_page_evidence_order() -> None:
    """The printed label beats a bare page-list name on node_2.htm (Founder classic numbers
    nodes from 2), and a link to another day's node_2.htm says nothing about this page."""
    links = "".join(
        f'<li><a href="content_{n}.htm">城市更新让老街区焕发新活力之{n}</a></li>'
        for n in range(1, 4)
    )
    html = f"""<html><head><title>某某日报</title></head><body>
    <a href="../09/node_2.htm">上一期 3</a><a href="node_2.htm">要闻</a><a href="node_3.htm">综合</a>
    <div class="banci">第01版：要闻</div><ul>{links}</ul></body></html>"""
    url = "http://x.cn/html/2024-10/10/node_2.htm"
    issue = extract_document(Document(url, html.encode(), role="page_index"))
    assert (issue.page, issue.page_name) == (1, "要闻")


def test_index_date_from_the_page_image_caption() -> None:
    """An index whose only date is its page image's caption ('日期：20240822') has that date."""
    links = "".join(
        f'<li><a href="c_{n}.htm">城市更新让老街区焕发新活力之{n}</a></li>' for n in range(3)
    )
    html = f"""<html><head><title>某某日报</title></head><body>
    <img src="p.jpg" alt="报名：某某日报 版次：第001版：版名：要闻 日期：20240822"><ul>{links}</ul>
    </body></html>"""
    issue = extract_document(Document("x/20240822_001.htm", html.encode(), role="page_index"))
    assert (issue.date, issue.page_label, issue.page_name) == (date(2024, 8, 22), "001", "要闻")


def test_a_shell_page_without_text_or_links_is_an_index() -> None:
    """An e-paper shell (scripts fill it in) has nothing of an article: it is read as an index,
    while a short untitled body of sentences stays an article."""
    shell = b'<html><head><title>XX e-paper</title></head><body><div id="app"></div></body></html>'
    assert guess_role(shell) == "page_index"
    brief = (
        "<html><body><p>"
        + "市区新增三处口袋公园，为周边居民提供了休闲健身的好去处。" * 3
        + "</p></body></html>"
    )
    assert guess_role(brief.encode()) == "article_page"


def test_sibling_pages_of_the_index_shape_are_never_articles() -> None:
    """Links of the index's own URL shape (node_02.html beside node_01.html) are its pages,
    even when they outnumber the articles and their names read like headlines."""
    pages = "".join(
        f'<li><a href="node_0{n}.html">{name}</a></li>'
        for n, name in enumerate(
            ["经济新闻综合报道", "社会生活服务指南", "文化体育休闲娱乐", "国际时事要闻"], 2
        )
    )
    articles = "".join(
        f'<li><a href="a/c{n}.html">城市更新让老街区焕发新活力之{n}</a></li>' for n in range(1, 3)
    )
    html = f"<html><head><title>x</title></head><body><ul>{pages}</ul><ul>{articles}</ul></body></html>"
    url = "http://x.cn/pc/layout/202410/11/node_01.html"
    issue = extract_document(Document(url, html.encode(), role="page_index"))
    assert [a.url.rsplit("/", 1)[-1] for a in issue.articles] == ["c1.html", "c2.html"]


def test_padded_two_character_names() -> None:
    """'方  敏' (a two-character name padded to the width of three) is one name, in a byline
    line and in a labelled field alike."""
    from newsbot.extract._byline import parse_authors

    assert parse_authors("本报记者  王乐文  方  敏") == ("王乐文", "方敏")
    assert parse_authors("记者 张三 和 李四") == ("张三", "李四")
    names = field_byline("本报记者 王乐文 方 敏 《 人民日报 》")
    assert names is not None
    assert parse_authors(names) == ("王乐文", "方敏")


@pytest.mark.parametrize(
    "folder", ["20240912", "202409/12", "2024-09/12", "2024-09-12", "2024/09/12"]
)
def test_index_date_from_the_issue_folder(folder: str) -> None:
    """An index's date is its issue folder's, however the folder spells it, before any
    date printed in the page's text (a notice quoting another day)."""
    links = "".join(
        f'<li><a href="c/{n}.htm">城市更新让老街区焕发新活力之{n}</a></li>' for n in range(1, 4)
    )
    html = f"""<html><head><title>某某日报</title></head><body><ul>{links}</ul>
    <p>某弃婴于2024年6月29日被发现，请其生父母与民政局联系。</p></body></html>"""
    url = f"http://x.cn/paper/{folder}/PageArticleIndexLB.htm"
    issue = extract_document(Document(url, html.encode(), role="page_index"))
    assert issue.date == date(2024, 9, 12)


def test_headline_of_several_decks_in_the_link_list() -> None:
    """A lead story's link carries all its decks run together (over 90 characters): still a
    headline; a link text with a full stop (a lead paragraph) is not one."""
    decks = (
        "习近平在全国教育大会上强调 紧紧围绕立德树人根本任务 朝着建成教育强国战略目标扎实迈进 "
        "习近平代表党中央向全国广大教师和教育工作者致以节日祝贺和诚挚问候 李强主持 "
        "赵乐际王沪宁蔡奇李希出席 丁薛祥讲话"
    )
    lead = "全国教育大会9日至10日在北京召开。" * 6
    titles = [decks, "统筹推进教育科技人才体制机制改革", "师市各学校庆祝第四十个教师节", lead]
    links = "".join(
        f'<li><a daoxiang="Articel0100{n}WN.htm">{t}</a></li>' for n, t in enumerate(titles, 1)
    )
    html = f"<html><head><title>x</title></head><body><ul>{links}</ul></body></html>"
    url = "http://x.cn/paper/20240912/PageArticleIndexLB.htm"
    issue = extract_document(Document(url, html.encode(), role="page_index"))
    assert [a.headline for a in issue.articles] == titles[:3]


def test_body_text_set_loose_beside_an_empty_paragraph() -> None:
    """Text set straight in the body element, with only an empty <p> beside it, is the body."""
    html = """<html><head><title>午间公告_证券时报网</title></head><body>
    <h2>午间公告：天奇股份中标广汽丰田项目</h2>
    <div class="txt_con">证券时报e公司讯，当升科技：9614.5万元竞得常州市工业用地，将为公司常州锂电新材料
    产业基地提供用地。运达股份：确定为节能风电公司两风电场项目的风力发电机组设备供应商，中标价7亿元。<p></p>
    </div></body></html>"""
    (article,) = extract_document(Document("u", html.encode(), role="article_page")).articles
    assert "9614.5万元竞得常州市工业用地" in article.body


def test_story_sentences_about_qr_codes_stay_in_the_body() -> None:
    """A sentence of the story that names a QR or verification code is text; the share prompt
    (not a sentence) and the copyright notice are chrome."""
    html = """<html><head><title>城区新开三处停车场_某某网</title></head><body><h1>城区新开三处停车场</h1>
    <div class="content"><p>近日，城区新开三处公共停车场，共提供车位六百余个，缓解了老城区停车难问题。</p>
    <p>市民可扫码缴费，也可使用现金。</p><p>警方提醒，切勿向他人透露短信验证码。</p>
    <p>据了解，三处停车场实行分时段收费，夜间停车享受优惠，周边居民可以办理包月。</p>
    <div class="qr"><p>用微信扫码二维码，分享至好友和朋友圈</p></div>
    <p>版权所有，未经授权不得转载。</p></div></body></html>"""
    (article,) = extract_document(Document("u", html.encode(), role="article_page")).articles
    assert "市民可扫码缴费，也可使用现金。" in article.body
    assert "切勿向他人透露短信验证码。" in article.body
    assert "朋友圈" not in article.body
    assert "版权所有" not in article.body
