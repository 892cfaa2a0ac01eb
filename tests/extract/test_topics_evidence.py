"""Topic tags come from what an article announces (heading, lead), each with its evidence."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from newsbot.extract._topics import TopicEvidence, topic_evidence, topics_for
from newsbot.match import RuleSpec, compile_matcher
from newsbot.models import Article, Topic

CATALOG = (
    Topic("anti-fraud", "反诈", ("电信网络诈骗", "网络诈骗", "诈骗", "反诈")),
    Topic("market", "市场经营", ("营商环境", "经营户")),
    Topic("tech", "科技", ("AI",)),
)


def test_a_heading_term_assigns_the_topic_and_is_its_evidence() -> None:
    """One term in the heading suffices; the earliest, then longest, term is the evidence."""
    assert topic_evidence("严打电信网络诈骗 反诈在行动", "", CATALOG) == (
        TopicEvidence("anti-fraud", "电信网络诈骗", "headline"),
    )
    assert topics_for("ＡＩ赋能外贸", "", CATALOG) == ("tech",)


def test_a_lead_needs_two_mentions_each_place_counted_once() -> None:
    """In the summary one stock phrase is not a subject, and 电信网络诈骗 is one mention, not
    three (网络诈骗 and 诈骗 inside it); two separate mentions assign the topic."""
    assert topic_evidence("会议召开", "进一步优化营商环境，护航发展。", CATALOG) == ()
    assert topic_evidence("会议召开", "严厉打击电信网络诈骗。", CATALOG) == ()
    assert topic_evidence(
        "会议召开", "打击电信网络诈骗，守护群众钱袋子，反诈宣传进社区。", CATALOG
    ) == (TopicEvidence("anti-fraud", "电信网络诈骗", "summary"),)


def test_the_heading_counts_before_the_summary() -> None:
    """A topic shown in both fields is evidenced by the heading."""
    evidence = topic_evidence("反诈宣传", "诈骗与反诈，诈骗又一例。", CATALOG)
    assert evidence == (TopicEvidence("anti-fraud", "反诈", "headline"),)


def test_a_latin_term_counts_only_as_a_whole_word() -> None:
    """ "AI" tags a heading where it stands as a word (ＡＩ赋能, AI 大会), not inside a longer
    Latin word (Shanghai, MAIL, AIGC), in the heading and in the summary's count alike."""
    assert topics_for("ＡＩ赋能外贸", "", CATALOG) == ("tech",)
    assert topics_for("2025 AI大会开幕", "", CATALOG) == ("tech",)
    assert topics_for("Shanghai Daily：MAIL 与 AIGC", "", CATALOG) == ()
    assert topics_for("会议召开", "MAIL 到了，AIGC 来了", CATALOG) == ()
    assert topics_for("会议召开", "AI 到了，AI 来了", CATALOG) == ("tech",)


_HEADING_PARTS = ["AI", "ai", "ＡＩ", "MAIL", "Shanghai", "AIGC", "诈骗", "网络诈骗", "反诈", "的"]
_TOPIC_RULES = compile_matcher(
    [RuleSpec(id=topic.id, subscriber_id="s", topics=(topic.id,)) for topic in CATALOG], CATALOG
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*_HEADING_PARTS, " ", "x", "1", "，"]), max_size=12).map("".join))
def test_a_heading_is_tagged_with_what_a_topic_rule_finds_in_it(heading: str) -> None:
    """On a heading, extraction tags exactly the topics whose rules find a catalog term there
    (the matcher's width and case folding and Latin word boundaries)."""
    article = Article(headline=heading, body="")
    matched = tuple(m.rule_id for m in _TOPIC_RULES.match(article))
    assert topics_for(heading, "", CATALOG) == matched
