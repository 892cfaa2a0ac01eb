"""The rules one at a time: bylines, headings, date lines, summaries, topics."""

from __future__ import annotations

from datetime import date

import pytest

from newsbot.extract._byline import parse_authors, split_lead
from newsbot.extract._dateline import parse_dateline
from newsbot.extract._headline import split_heading
from newsbot.extract._html_common import find_date
from newsbot.extract._lunar import lunar_day_number, lunar_days
from newsbot.extract._summary import summarize
from newsbot.extract._text import cn_number, ends_sentence
from newsbot.extract._topics import topics_for
from newsbot.models import Topic


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("□ 平安时报记者 董文琪 全媒体记者 陈聪", ("董文琪", "陈聪")),
        ("□ 全媒体记者 陈洋波 文/摄", ("陈洋波",)),
        ("（记者李铮通讯员王飞李永）", ("李铮", "王飞", "李永")),
        ("□本报记者张靖本报通讯员郜敏", ("张靖", "郜敏")),
        ("（记者张阳春、通讯员熊能）", ("张阳春", "熊能")),
        ("（布琳  张伟杰）", ("布琳", "张伟杰")),
        ("湖北日报全媒记者 戴文辉 通讯员 刘涛", ("戴文辉", "刘涛")),
        ("（湖北日报全媒记者 薛婷 通讯员 肖江涛 张成 摄）", ("薛婷", "肖江涛", "张成")),
        ("⑧3陈更生 宋洁 摄", ("陈更生", "宋洁")),
        ("（通讯员向祖文）", ("向祖文",)),
        ("□ 湖北日报评论员", ()),
        ("本报记者 欧阳晓明 见习记者 司马光", ("欧阳晓明", "司马光")),
    ],
)
def test_authors_without_roles(byline: str, authors: tuple[str, ...]) -> None:
    """Authors are the people named, without roles, outlets or credit words."""
    assert parse_authors(byline) == authors


@pytest.mark.parametrize(
    ("lead", "marker", "paren"),
    [
        ("本报讯 为深入贯彻", "本报讯", None),
        ("湖北日报讯 （记者张三、通讯员李四）39天", "湖北日报讯", "（记者张三、通讯员李四）"),
        ("本报讯（记者李铮通讯员王飞李永）给母校", "本报讯", "（记者李铮通讯员王飞李永）"),
        ("新华社北京2月10日电 中共中央", "新华社北京2月10日电", None),
        ("中新网客户端9月18日电(记者阚枫)最高", "中新网客户端9月18日电", "(记者阚枫)"),
        ("（一）坚持问题导向。", "", None),
        ("会议指出，要坚持。", "", None),
    ],
)
def test_split_lead(lead: str, marker: str, paren: str | None) -> None:
    """A lead's dateline marker and bracketed byline are recognised, ordinary text is not."""
    got_marker, got_paren, _ = split_lead(lead)
    assert (got_marker, got_paren) == (marker, paren)


@pytest.mark.parametrize(
    ("lines", "kicker", "headline", "subtitle", "column"),
    [
        (["新旧动能加速演进", "宜都冲刺“千亿六十强”"], "新旧动能加速演进", "宜都冲刺“千亿六十强”", None, None),
        (["宁咏在黄冈调研时强调", "与时俱进推进宗教工作"], "宁咏在黄冈调研时强调", "与时俱进推进宗教工作", None, None),
        (["蚕丝吐尽春未老", "——追记太康县回族中学校长李琳"], None, "蚕丝吐尽春未老", "——追记太康县回族中学校长李琳", None),
        (["舱外安装忙 太空物流畅"], None, "舱外安装忙 太空物流畅", None, None),
        (["绿色发展 久久为功", "我市新增三处湿地公园"], None, "我市新增三处湿地公园", None, "绿色发展 久久为功"),
        (["项目建设加速推进 预计年底竣工"], None, "项目建设加速推进", "预计年底竣工", None),
        (["为了孩子们的笑脸 乡村教师坚守讲台三十年"], "为了孩子们的笑脸", "乡村教师坚守讲台三十年", None, None),
    ],
)  # fmt: skip
def test_heading_rules(
    lines: list[str], kicker: str | None, headline: str, subtitle: str | None, column: str | None
) -> None:
    """Kicker, headline, subtitle and banner follow the layout editor's conventions."""
    heading = split_heading(lines)
    assert (heading.kicker, heading.headline, heading.subtitle, heading.column) == (
        kicker,
        headline,
        subtitle,
        column,
    )


def test_split_day_is_checked_against_the_weekday() -> None:
    """A day torn from "2025年5月…16" is the lone number whose weekday matches 星期五."""
    info = parse_dateline("2025年5月 星期五 总第8639期 今日8版 16 邮发代号 31-78")
    assert (info.date, info.number, info.page_count, info.warnings) == (
        date(2025, 5, 16),
        8639,
        8,
        [],
    )


def test_weekday_mismatch_is_reported_not_guessed() -> None:
    """When no lone number fits the printed weekday, the date stays unknown with a warning."""
    info = parse_dateline("2025年5月 星期四 总第8639期 16")
    assert info.date is None
    assert info.warnings


def test_full_date_with_wrong_weekday_warns() -> None:
    """A full date whose printed weekday disagrees keeps the date and says so."""
    info = parse_dateline("2024年3月8日 星期一")
    assert info.date == date(2024, 3, 8)
    assert any("星期一" in w for w in info.warnings)


def test_lunar_year_is_cross_checked() -> None:
    """A printed 干支 year that does not match the date is reported."""
    assert parse_dateline("农历乙巳年四月十九 2025年5月16日 星期五").warnings == []
    info = parse_dateline("农历甲辰年四月十九 2025年5月16日 星期五")
    assert any("甲辰" in w for w in info.warnings)


def test_lunar_day_is_cross_checked() -> None:
    """A printed lunar day that does not fit the date (by the new moons) is reported."""
    assert parse_dateline("农历乙巳年四月十九 2025年5月16日 星期五").warnings == []
    assert parse_dateline("农历甲辰年正月廿八 2024年3月8日 星期五").warnings == []
    info = parse_dateline("农历乙巳年四月廿一 2025年5月16日 星期五")
    assert any("四月廿一" in w for w in info.warnings)


@pytest.mark.parametrize(
    ("day", "lunar_day"),
    [(date(2025, 5, 16), 19), (date(2024, 3, 8), 28), (date(2023, 1, 22), 1),
     (date(2024, 2, 9), 30), (date(2010, 9, 10), 3), (date(2000, 1, 1), 25),
     (date(2033, 12, 22), 1)],
)  # fmt: skip
def test_lunar_days_from_new_moons(day: date, lunar_day: int) -> None:
    """The lunar day computed from Meeus' new moons matches the published calendar."""
    assert lunar_day in lunar_days(day)


@pytest.mark.parametrize(
    ("text", "value"),
    [("初一", 1), ("初十", 10), ("十九", 19), ("二十", 20), ("廿八", 28), ("三十", 30)],
)
def test_lunar_day_numbers(text: str, value: int) -> None:
    """Printed lunar day names read as numbers."""
    assert lunar_day_number(text) == value


def test_lunar_month_is_cross_checked_when_lunardate_is_installed() -> None:
    """With lunardate installed, a wrong lunar month is reported too."""
    pytest.importorskip("lunardate")
    assert parse_dateline("农历乙巳年五月十九 2025年5月16日 星期五").warnings


def test_page_label() -> None:
    """An inner page's header gives page number and name."""
    info = parse_dateline("2024年3月8日 星期五 第5版：要闻 责编：张三")
    assert (info.page, info.page_name) == (5, "要闻")


@pytest.mark.parametrize(
    ("text", "value"), [("五", 5), ("十", 10), ("十二", 12), ("二十一", 21), ("08", 8), ("x", None)]
)
def test_cn_number(text: str, value: int | None) -> None:
    """Chinese and Arabic page numerals read as ints."""
    assert cn_number(text) == value


@pytest.mark.parametrize(
    ("text", "ends"),
    [("实现投产。", True), ("他说：“好。”", True), ("“网格化”", False), ("社会和谐稳定和", False),
     ("王铮 杨东辉 摄", True), ("⑧3程全摄", True), ("进行拍摄", False), ("(下转第五版)", True)],
)  # fmt: skip
def test_ends_sentence(text: str, ends: bool) -> None:
    """Sentence ends include closing quotes and photo credits, not a quoted term."""
    assert ends_sentence(text) is ends


def test_summary_is_whole_sentences_within_120() -> None:
    """The summary stops at the last whole sentence that fits, and skips 本报讯."""
    lead = "本报讯 " + "第一句话讲述了事件的经过和主要内容。" * 10
    summary = summarize([lead])
    assert summary.startswith("第一句话")
    assert summary.endswith("。")
    assert len(summary) <= 120


def test_summary_of_one_long_sentence_is_cut_at_a_clause() -> None:
    """A first sentence over 120 characters is cut at a clause break and marked with …."""
    lead = "本报讯 " + "，".join(["这是一个很长的分句"] * 30) + "。"
    summary = summarize([lead])
    assert len(summary) <= 120
    assert summary.endswith("…")


def test_topics_by_heading_or_repeated_body_terms() -> None:
    """A topic needs its term in the heading, or its terms at least three times in the body."""
    catalog = (Topic("anti-fraud", "反诈", ("诈骗", "反诈")), Topic("trade", "商贸", ("外贸",)))
    assert topics_for("反诈宣传进社区", "", catalog) == ("anti-fraud",)
    assert topics_for("社区活动", "诈骗一次。", catalog) == ()
    assert topics_for("社区活动", "诈骗。反诈。诈骗。", catalog) == ("anti-fraud",)
    assert topics_for("ＡＩ外贸", "", catalog) == ("trade",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023年2月10日 星期五", date(2023, 2, 10)),
        ("出版日期：2024-01-01", date(2024, 1, 1)),
        ("2023年2月30日 2023年3月1日", None),  # the first date decides, even when impossible
        ("二〇二三年二月十日", None),
    ],
)
def test_printed_dates_in_html(text: str, expected: date | None) -> None:
    """HTML pages read the first printed date; an impossible one is no date."""
    assert find_date(text) == expected
