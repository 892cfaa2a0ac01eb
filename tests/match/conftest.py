"""Shared articles and topics for the matcher tests, drawn from 义乌商报 2025-05-16 page 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.models import Article, Topic

FIXTURE = Path(__file__).parent.parent / "fixtures" / "ywsb-2025-05-16-p1.txt"

FRAUD = Article(
    headline="省打击治理电信网络诈骗工作协调机制“护企优商”现场会在义举行",
    summary="凝聚精准治理合力 深化“护企优商”举措",
    body=(
        "本报讯 为深入贯彻落实习近平总书记关于打击治理电信网络诈骗违法犯罪工作的重要指示精神,"
        "进一步优化营商环境,护航经济高质量发展。"
    ),
    topics=("anti-fraud",),
)
MONEY = Article(
    headline="我市多形式开展防范经济犯罪宣传活动",
    body="昨日下午,由市委政法委、市公安局主办的2025年平安义乌文化周反洗钱宣传活动在国际商贸城举行。",
)
SKILLS = Article(
    headline="跨境电商直播专项职业能力考核走出国门",
    body="近两年,义乌集中开发了“国际商贸AI应用”“跨境电商采购”等项目。企业招聘跨境电商主播。",
)
JOBS_FRAUD = Article(
    headline="警惕虚假招聘背后的电信网络诈骗",
    body="有人以高薪招聘为名实施诈骗。",
)

CATALOG = (
    Topic("anti-fraud", "反诈", ("电信网络诈骗", "反诈", "诈骗", "洗钱", "反洗钱", "经济犯罪")),
    Topic("technology", "科技创新", ("科技", "人工智能", "AI")),
    Topic("employment", "就业与技能", ("技能", "招聘", "就业")),
)


@pytest.fixture
def page_article() -> Article:
    """The whole sample page as one article body."""
    return Article(headline="义乌商报 第01版", body=FIXTURE.read_text(encoding="utf-8"))
