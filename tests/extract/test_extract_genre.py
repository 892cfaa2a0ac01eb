"""Beyond the sample: another paper's pages, a continuation joined across pages, Henan Daily."""

from __future__ import annotations

from datetime import date

import pytest
from tests.extract.conftest import MakeDoc, make_doc

from newsbot.extract import extract, extract_document
from newsbot.models import Document, Issue, RawIssue, Topic

P1 = "page_text/synthetic_jhwb_2024-03-08_p1.txt"
P5 = "page_text/synthetic_jhwb_2024-03-08_p5.txt"


@pytest.fixture(scope="module")
def front() -> Issue:
    """The synthetic 金华晚报 front page on its own."""
    return extract_document(make_doc(P1, "page_text"))


def test_other_paper_masthead(front: Issue) -> None:
    """A full printed date with weekday and a matching 干支 year, issue number and page count."""
    assert (front.paper, front.date, front.number, front.page_count, front.page) == (
        "金华晚报",
        date(2024, 3, 8),
        9001,
        16,
        1,
    )
    assert front.warnings == ()


def test_other_paper_headings(front: Issue) -> None:
    """Banner, kicker lines, a 围绕… kicker phrase and a couplet headline are told apart."""
    first, second, third = front.articles
    assert (first.column, first.kicker, first.headline) == (
        "数字经济 走在前列",
        "我市召开数字经济高质量发展大会",
        "打造全省数字经济发展新高地",
    )
    assert (second.kicker, second.headline) == ("围绕“三个一号工程”", "市政协开展专题协商")
    assert (third.kicker, third.headline) == (None, "反诈宣传进社区 守好群众“钱袋子”")


def test_other_paper_bylines_joins_captions(front: Issue) -> None:
    """Bylines, a join right before "(下转第五版)", a caption and teasers with page refs."""
    first, second, third = front.articles
    assert first.authors == ("王晓明", "李华")
    assert "为高质量发展注入强劲动能。" in first.body
    assert first.continued_to == 5
    assert second.authors == ("赵一鸣",)
    assert second.summary.startswith("3月7日，市政协召开专题协商会")
    assert "提醒居民不轻信、不转账" in third.body
    assert third.captions == ("民警向居民讲解反诈知识",)
    assert front.teasers == ("金华火腿博物馆开馆 第3版", "春季招聘会提供岗位1.2万个 第6版")


def test_inner_page_header(doc: MakeDoc) -> None:
    """An inner page's header gives paper, date, page 5 and its name; 上接 marks the tail."""
    page5 = extract_document(doc(P5, "page_text"))
    assert (page5.paper, page5.date, page5.page, page5.page_name) == (
        "金华晚报",
        date(2024, 3, 8),
        5,
        "要闻",
    )
    tail = page5.articles[0]
    assert tail.continued_from == 1
    assert tail.body.startswith("会议要求")


def test_continuation_joined_across_pages(doc: MakeDoc, topics: tuple[Topic, ...]) -> None:
    """With pages 1 and 5 at hand, the 下转/上接 parts become one article on page 1."""
    raw = RawIssue("jhwb", "2024-03-08", (doc(P5, "page_text"), doc(P1, "page_text")))
    issue = extract(raw, topics=topics)
    assert [a.page for a in issue.articles] == [1, 1, 1, 5]
    joined = issue.articles[0]
    assert joined.headline == "打造全省数字经济发展新高地"
    assert joined.continued_to is None
    assert joined.body.endswith("会上，相关部门和企业代表作交流发言。")
    assert "上接" not in joined.body
    assert "为高质量发展注入强劲动能。\n\n会议要求" in joined.body
    assert (issue.paper, issue.number, issue.page_count, issue.page) == ("金华晚报", 9001, 16, None)
    trade = issue.articles[3]
    assert trade.headline == "义乌综保区进出口额同比增长三成"
    assert "trade" in trade.topics
    assert "anti-fraud" in issue.articles[2].topics


def test_continuation_without_its_page(front: Issue) -> None:
    """Without page 5 the article stays on page 1 and says where the rest is."""
    assert front.articles[0].continued_to == 5


def test_henan_daily_themed_page(doc: MakeDoc) -> None:
    """编者按, □ section kickers, （记者…） leads, ——追记 subtitles, 小标题 and editor codes."""
    issue = extract_document(doc("page_text/henan_daily_20100910.txt", "page_text"))
    assert (issue.paper, issue.date) == ("河南日报", date(2010, 9, 10))
    by_headline = {a.headline: a for a in issue.articles}
    assert by_headline["编者按"].body.startswith("秋天的脚步款款而至")
    teachers = by_headline["110万“园丁”奉献三尺讲台"]
    assert teachers.authors == ("冯芸",)
    assert teachers.body.endswith("占41.43%。")  # the editor code ②6 is gone
    qingfeng = by_headline["清丰开展“党员谢师恩”活动"]
    assert qingfeng.authors == ("李铮", "王飞", "李永")
    assert qingfeng.column == "桃李芬芳真情感恩"
    assert qingfeng.summary.startswith("给母校老师写一封情真意切的信")
    changyuan = by_headline["长垣民企重奖优秀教师"]
    assert changyuan.authors == ("李虎成", "张宗桥", "贾胜波")
    li_lin = by_headline["蚕丝吐尽春未老"]
    assert li_lin.subtitle == "——追记太康县回族中学校长李琳"
    assert li_lin.authors == ("张靖", "郜敏")
    assert li_lin.column == "师者离去师魂余香"
    assert len(issue.articles) == 8
    wang = by_headline["王生英：以校为家以家为校"]
    assert "\n\n二十年以校为家 不让一个孩子辍学\n\n1956年" in wang.body  # a 小标题, not an article
    assert "十余载以家为校 为孩子们撑起一间教室" in wang.body
    ge = by_headline["葛堂友：深山从教42年"]
    assert ge.column == "师者之尊缘自用心"
    assert "王生英" not in ge.body
    assert "⑧3陈更生 宋洁 摄" in " ".join(by_headline["编者按"].captions)


def test_pua_glyphs_are_mapped(doc: MakeDoc) -> None:
    """Founder-font private-use glyphs for ： and 、 are mapped back in page text."""
    document = doc("page_text/pdf_pua_glyphs.txt", "page_text")
    issue = extract_document(document)
    assert not any("unknown private-use" in w for w in issue.warnings)
    text = Document("u", document.body + "本报讯 测试。".encode(), role="page_text")
    body = extract_document(text).articles[0]
    assert "保证人：毛梅" in body.body or "保证人：毛梅" in (body.headline + body.body)


def test_inner_page_furniture_plain_bylines_and_credits(doc: MakeDoc) -> None:
    """Page furniture, bylines without □, caption credits and a punctuated headline."""
    issue = extract_document(doc("page_text/synthetic_dzrb_2024-11-20_p3.txt", "page_text"))
    assert (issue.paper, issue.date, issue.page, issue.page_name) == (
        "东州日报",
        date(2024, 11, 20),
        3,
        "经济",
    )
    assert [a.headline for a in issue.articles] == [
        "全市外贸企业积极开拓新兴市场",
        "一批新能源项目集中开工",
        "快递进村，便民又惠农！",
    ]
    trade, energy, parcels = issue.articles
    assert parcels.authors == ("林木",)
    assert trade.authors == ("周小平",)
    assert trade.captions == ("港口集装箱吞吐量创新高（记者 吴海 摄）",)
    assert "办好各类对接会，助力企业稳订单" in trade.body
    assert energy.authors == ("郑强", "马兰")
    assert "郑强" not in energy.body
    assert issue.warnings == ()


def test_interleaved_article_and_resumed_text(doc: MakeDoc) -> None:
    """A small article set inside a larger one's broken sentence; the larger one's text resumes."""
    issue = extract_document(doc("page_text/synthetic_interleaved.txt", "page_text"))
    renewal, basketball = issue.articles
    assert "优先解决雨污分流、管网老化等居民最关心的问题。" in renewal.body
    assert renewal.body.endswith("让老旧小区焕发新活力。")
    assert len(renewal.body.split("\n\n")) == 3
    assert (
        basketball.body == "本报讯 6月1日，江北街道第三届小区篮球赛开赛，来自12个小区的队伍参赛。"
    )
    assert (renewal.authors, basketball.authors) == (("何平",), ("钱多",))
    assert issue.number == 5120


def test_caption_between_paragraphs_vs_headline_without_lead_marker(doc: MakeDoc) -> None:
    """A lone short line inside an article is its caption; one whose text restates it is a headline."""
    name = "page_text/synthetic_caption_between_paragraphs.txt"
    issue = extract_document(doc(name, "page_text"))
    fraud, teacher = issue.articles
    assert fraud.captions == ("民警向居民讲解反诈知识",)
    assert fraud.body.endswith("现场解答群众咨询。")
    assert teacher.headline == "葛堂友：深山从教42年"


def test_untitled_text_kept_only_as_continuation_or_lead() -> None:
    """Untitled text is kept when it continues another page or opens with a lead, else dropped."""
    text = (
        "(上接第一版)经济金融安全，各地各部门要提高站位。\n\n欢迎订阅本报，订阅电话：12345678。\n\n"
    )
    issue = extract_document(Document("p5.txt", text.encode(), role="page_text", page=5))
    (tail,) = issue.articles
    assert (tail.headline, tail.continued_from, tail.page) == ("", 1, 5)
    assert tail.body.startswith("经济金融安全，各地各部门要提高站位。")
    stray = extract_document(
        Document("x.txt", "欢迎订阅本报，订阅电话：12345678。".encode(), "page_text")
    )
    assert stray.articles == ()
    assert any("left out" in w for w in stray.warnings)


def test_inner_page_header_with_editors_and_page_label(doc: MakeDoc) -> None:
    """Below an inner page's date line, editors are dropped and "要闻 03" gives page and name."""
    issue = extract_document(doc("page_text/synthetic_ywsb_inner_p3.txt", "page_text"))
    assert (issue.date, issue.page, issue.page_name) == (date(2025, 5, 16), 3, "要闻")
    (article,) = issue.articles
    assert (article.kicker, article.headline) == (None, "我市开展夏季消防安全检查")
    assert article.authors == ("陈聪",)
