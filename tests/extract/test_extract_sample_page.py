"""The sample front page (义乌商报 2025-05-16, p1), pinned completely."""

from __future__ import annotations

import re
from datetime import date

import pytest
from tests.extract.conftest import SAMPLE_PAGE

from newsbot.extract import extract_document
from newsbot.models import Article, Document, Issue, Topic

HEADLINES = [
    "凝聚精准治理合力 深化“护企优商”举措",
    "我市人大常委会组织专题视察",
    "衢州市党政代表团来金考察",
    "义乌“技能出海”花开摩洛哥",
    "我市多形式开展防范经济犯罪宣传活动",
    "亚芯微电子芯片封装测试基地项目超时序推进",
    "我市举办“科技进市场”首场对接会",
]
BANNERS = ["锚定现代化 改革再深化", "实干论英雄 奋战第一线", "奋战二季度 拼抢上半场比赛"]


@pytest.fixture(scope="module")
def issue() -> Issue:
    """The sample page extracted with the shipped topic catalog."""
    from tests.extract.conftest import REPO_ROOT

    from newsbot.extract import load_topics

    topics = load_topics(REPO_ROOT / "config" / "topics.yaml")
    doc = Document(url="ywsb-2025-05-16-p1.txt", body=SAMPLE_PAGE.read_bytes(), role="page_text")
    return extract_document(doc, topics=topics)


def _article(issue: Issue, headline: str) -> Article:
    return next(a for a in issue.articles if a.headline == headline)


def test_masthead(issue: Issue) -> None:
    """Paper, split-day date, issue number, page count and page come from the masthead."""
    assert issue.paper == "义乌商报"
    assert issue.date == date(2025, 5, 16)
    assert issue.number == 8639
    assert issue.page_count == 8
    assert issue.page == 1
    assert issue.warnings == ()


def test_every_headline_in_reading_order(issue: Issue) -> None:
    """All seven articles are found, in reading order, and nothing else."""
    assert [a.headline for a in issue.articles] == HEADLINES


def test_no_banner_is_a_headline(issue: Issue) -> None:
    """Column banners are never headlines, kickers or subtitles; each is its article's column."""
    heads = {p for a in issue.articles for p in (a.headline, a.kicker, a.subtitle) if p}
    assert not heads & set(BANNERS)
    assert [a.column for a in issue.articles if a.column] == BANNERS


def test_kicker_headline_subtitle(issue: Issue) -> None:
    """Heading lines are split into 引题, 主题 and 副题 the way the layout editor set them."""
    first = issue.articles[0]
    assert first.kicker == "省打击治理电信网络诈骗工作协调机制“护企优商”现场会在义举行"
    assert first.subtitle == "更好服务保障高质量发展建设共同富裕示范区"
    renda = _article(issue, "我市人大常委会组织专题视察")
    assert renda.kicker == "就深化新时代“千万工程”和美乡村先行片区建设"
    assert renda.subtitle is None
    quzhou = _article(issue, "衢州市党政代表团来金考察")
    assert quzhou.kicker is None
    assert quzhou.subtitle == "深化务实合作 推动优势互补 努力实现更高水平共赢发展"
    assert quzhou.column == "锚定现代化 改革再深化"
    skills = _article(issue, "义乌“技能出海”花开摩洛哥")
    assert skills.kicker == "“跨境电商直播”专项技能考场搬到了海外"
    assert skills.column == "实干论英雄 奋战第一线"
    chips = _article(issue, "亚芯微电子芯片封装测试基地项目超时序推进")
    assert (chips.kicker, chips.subtitle) == (None, "预计11月实现投产")
    assert chips.column == "奋战二季度 拼抢上半场比赛"
    for headline in HEADLINES[4::2]:
        article = _article(issue, headline)
        assert (article.kicker, article.subtitle) == (None, None)


@pytest.mark.parametrize(
    ("headline", "byline", "authors"),
    [
        (HEADLINES[0], "平安时报记者 董文琪 全媒体记者 陈聪", ("董文琪", "陈聪")),
        (HEADLINES[1], "全媒体记者 傅柏林", ("傅柏林",)),
        (HEADLINES[2], "金华日报记者 楼盼 杨林聪 全媒体记者 陈聪", ("楼盼", "杨林聪", "陈聪")),
        (HEADLINES[3], "全媒体记者 林晓燕", ("林晓燕",)),
        (HEADLINES[4], "全媒体记者 陈洋波 文/摄", ("陈洋波",)),
        (HEADLINES[5], "全媒体记者 左翠玉", ("左翠玉",)),
        (HEADLINES[6], "全媒体记者 龚盈盈", ("龚盈盈",)),
    ],
)
def test_bylines_and_authors(issue: Issue, headline: str, byline: str, authors: tuple[str]) -> None:
    """Each □ byline goes to the article whose lead follows it; authors are names only."""
    article = _article(issue, headline)
    assert article.byline == byline
    assert article.authors == authors


def test_interleaved_byline_goes_to_the_next_lead(issue: Issue) -> None:
    """The byline between the 衢州 heading and the 人大 heading belongs to 人大, whose lead follows."""
    renda = _article(issue, HEADLINES[1])
    quzhou = _article(issue, HEADLINES[2])
    assert renda.body.startswith("本报讯 昨日下午,市人大常委会主任丁政")
    assert quzhou.body.startswith("本报讯 昨日,衢州市党政代表团来金考察")
    assert "视察组" not in quzhou.body
    assert "衢州" not in renda.body


def test_column_breaks_are_repaired(issue: Issue) -> None:
    """Sentences broken at column ends become one sentence again, with no separator."""
    body = "\n".join(a.body for a in issue.articles)
    for joined in [
        "社会和谐稳定和经济金融安全",
        "保税物流、跨境电商等业态",
        "推动科技创新和产业创新",
        "在奋进中国式现代化新征程上",
        "义乌“技能出海”行动的首场活动",
        "完成跨境电商直播专项职业能力题库",
        "公布的时间和地点",
        "完成入库投资0.785亿元",
        "五层楼像八层楼那么高",
        "义乌模组企业竞争力",
    ]:
        assert joined in body
    paragraphs = [p for a in issue.articles for p in a.body.split("\n\n")]
    assert all(re.search(r"[。！？”…]$", p) for p in paragraphs), "a paragraph ends mid-sentence"


def test_paragraph_counts(issue: Issue) -> None:
    """Bodies keep their paragraphs (separated by a blank line) in reading order."""
    counts = [len(a.body.split("\n\n")) for a in issue.articles]
    assert counts == [1, 2, 5, 9, 4, 9, 5]


def test_bodies_hold_only_their_own_text(issue: Issue) -> None:
    """No body contains another article's lead, byline, heading, banner or the caption."""
    for article in issue.articles:
        others = [a for a in issue.articles if a is not article]
        for other in others:
            assert other.body.split("\n\n")[0][:30] not in article.body
            assert other.headline not in article.body
        assert "□" not in article.body
        assert not any(banner in article.body for banner in BANNERS)
        assert "民警现场开展防范宣传工作" not in article.body
        assert "导读" not in article.body


def test_continuation_mark(issue: Issue) -> None:
    """ "(下转第五版)" sets continued_to=5 on the first article and leaves the body."""
    first = issue.articles[0]
    assert first.continued_to == 5
    assert "下转" not in first.body
    assert first.body.endswith("服务保障高质量发展建设共同富裕示范区。")
    assert all(a.continued_to is None for a in issue.articles[1:])


def test_caption(issue: Issue) -> None:
    """The photo caption goes to the article it follows, and only there."""
    fraud = _article(issue, HEADLINES[4])
    assert fraud.captions == ("民警现场开展防范宣传工作",)
    assert [a.captions for a in issue.articles if a is not fraud] == [()] * 6


def test_teasers(issue: Issue) -> None:
    """The lines after 导读 are teasers, not articles."""
    assert issue.teasers == ("全民健身“图鉴” 展现城市蓬勃活力",)


def test_summaries(issue: Issue) -> None:
    """Summaries: whole sentences of the own lead, ≤120 chars, never 本报讯 or a byline."""
    for article in issue.articles:
        summary = article.summary
        assert 0 < len(summary) <= 120
        assert not summary.startswith("本报讯")
        assert "□" not in summary
        assert "记者" not in summary[:6]
        assert re.search(r"[。！？]”?$", summary)
        lead = article.body.split("\n\n")[0].removeprefix("本报讯").strip()
        assert lead.startswith(summary)
    assert issue.articles[1].summary == (
        "昨日下午,市人大常委会主任丁政、副主任董利明带领部分市人大代表,"
        "专题视察深化新时代“千万工程”和美乡村先行片区建设情况。副市长邵春洪陪同。"
    )


def test_keywords(issue: Issue) -> None:
    """Each article has 5-8 keywords drawn from its own text; quoted headline terms lead."""
    for article in issue.articles:
        assert 5 <= len(article.keywords) <= 8
        text = article.headline + (article.kicker or "") + article.body
        assert all(k in text for k in article.keywords)
    assert issue.articles[0].keywords[0] == "护企优商"
    assert "摩洛哥" in _article(issue, HEADLINES[3]).keywords
    assert "芯片" in _article(issue, HEADLINES[5]).keywords


def test_topics(issue: Issue, topics: tuple[Topic, ...]) -> None:
    """Topics come from the catalog: anti-fraud and trade where the text is about them."""
    assert "anti-fraud" in issue.articles[0].topics
    assert "anti-fraud" in _article(issue, HEADLINES[4]).topics
    assert "trade" in _article(issue, HEADLINES[3]).topics
    assert "trade" in _article(issue, HEADLINES[6]).topics
    assert "anti-fraud" not in _article(issue, HEADLINES[5]).topics
    ids = {t.id for t in topics}
    assert all(set(a.topics) <= ids for a in issue.articles)


def test_json_contract(issue: Issue) -> None:
    """The JSON has the contract's names, with absent values null or empty."""
    data = issue.to_json()
    assert list(data) == [
        "paper", "date", "number", "page", "page_count", "page_name", "page_label",
        "articles", "teasers",
    ]  # fmt: skip
    assert data["date"] == "2025-05-16"
    article = data["articles"][0]
    for name in ("kicker", "headline", "subtitle", "column", "authors", "byline", "body"):
        assert name in article
    for name in ("summary", "keywords", "topics", "continued_to", "continued_from"):
        assert name in article
    assert article["captions"] == []
    assert article["url"] is None
