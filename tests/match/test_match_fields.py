"""Where terms are looked for: the headline field is the printed heading; topics are not body trivia."""

from __future__ import annotations

from newsbot.match import RuleSpec, compile_matcher
from newsbot.models import Article, Topic

TRADE = Topic(id="trade", name="商贸展会", terms=("展会", "订单", "跨境电商"))


def rule(**kwargs: object) -> RuleSpec:
    return RuleSpec(id="s/r", subscriber_id="s", **kwargs)  # type: ignore[arg-type]


def test_headline_field_includes_kicker_and_subtitle() -> None:
    """A headline-scoped term printed in the kicker (引题) or subtitle (副题) matches."""
    article = Article(
        kicker="省打击治理电信网络诈骗工作协调机制现场会在义举行",
        headline="凝聚精准治理合力 深化“护企优商”举措",
        subtitle="更好服务保障高质量发展",
        body="本报讯 ……",
    )
    matcher = compile_matcher([rule(query="headline:电信网络诈骗")])
    (match,) = matcher.match(article)
    assert match.explanations[0].field == "headline"
    assert compile_matcher([rule(query="headline:高质量发展")]).match(article)


def test_topic_terms_count_in_headline_and_summary_not_deep_in_the_body() -> None:
    """An untagged article mentioning 订单 once in its body is not a trade article."""
    body_only = Article(
        headline="芯片封装测试基地项目超时序推进",
        summary="三栋大楼傲然矗立。",
        body="根据订单需求分期建设。",
    )
    in_headline = Article(headline="我市企业组团参加广交会展会", body="……")
    tagged = Article(headline="市场动态", body="……", topics=("trade",))
    matcher = compile_matcher([rule(topics=("trade",))], [TRADE])
    assert matcher.match(body_only) == []
    assert matcher.match(in_headline)
    assert matcher.match(tagged)
    # A rule that names the term itself still finds it anywhere.
    assert compile_matcher([rule(any=("订单",))], [TRADE]).match(body_only)
