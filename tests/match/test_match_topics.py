"""A topic match says which catalog term, in which field, shows the topic (real sample page)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.extract import extract_document, load_topics
from newsbot.extract._keywords import keywords_skipped
from newsbot.match import RuleSpec, compile_matcher
from newsbot.models import Article, Document, Topic

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "fixtures" / "ywsb-2025-05-16-p1.txt"


@pytest.fixture(scope="module")
def catalog() -> tuple[Topic, ...]:
    """The shipped topic catalog."""
    return load_topics(ROOT / "config" / "topics.yaml")


@pytest.fixture(scope="module")
def page(catalog: tuple[Topic, ...]) -> dict[str, Article]:
    """The sample front page's articles by the start of their headline."""
    with keywords_skipped():
        issue = extract_document(
            Document(str(SAMPLE), SAMPLE.read_bytes(), role="page_text"), topics=catalog
        )
    return {article.headline[:8]: article for article in issue.articles}


def _explained(rule: RuleSpec, article: Article, catalog: tuple[Topic, ...]) -> list[str]:
    matches = compile_matcher([rule], catalog).match(article, source_id="ywsb")
    return [str(e) for m in matches for e in m.explanations]


def test_topic_rule_names_term_and_field(
    page: dict[str, Article], catalog: tuple[Topic, ...]
) -> None:
    """`topics: [technology]` on 科技进市场 says: matched topic 科技创新 via 科技 in headline."""
    article = page["我市举办“科技进"]
    assert "technology" in article.topics
    rule = RuleSpec(id="r", subscriber_id="s", topics=("technology",))
    assert "matched topic 科技创新 via 科技 in headline" in _explained(rule, article, catalog)


def test_topic_in_a_query_names_the_longest_earliest_term(
    page: dict[str, Article], catalog: tuple[Topic, ...]
) -> None:
    """`topic:anti-fraud` in a query explains with 电信网络诈骗, not the 诈骗 inside it."""
    article = page["凝聚精准治理合力"]
    rule = RuleSpec(id="r", subscriber_id="s", query="topic:anti-fraud OR /不会出现的词/")
    explained = _explained(rule, article, catalog)
    assert "matched topic 反诈 via 电信网络诈骗 in headline" in explained


def test_tag_without_catalog_evidence_still_explains_with_the_name(
    catalog: tuple[Topic, ...],
) -> None:
    """An article tagged under an older catalog (no term in its heading) shows the topic name."""
    article = Article(headline="一条旧新闻", body="正文", topics=("trade",))
    rule = RuleSpec(id="r", subscriber_id="s", query="topic:trade")
    assert _explained(rule, article, catalog) == ["matched 商贸展会 in topics"]


def test_a_delegations_visit_is_not_tagged_with_what_it_mentions_in_passing(
    page: dict[str, Article],
) -> None:
    """衢州市党政代表团来金考察 mentions 综保区, 国际商贸, 科技 and 创新 in its body only: no
    trade or technology tag (the body alone never assigns a topic)."""
    article = page["衢州市党政代表团"]
    assert "综保区" in article.body
    assert "创新" in article.body
    assert article.topics == ()


def test_each_tag_of_the_sample_page_comes_from_its_heading(
    page: dict[str, Article], catalog: tuple[Topic, ...]
) -> None:
    """Every tag on the sample page has its evidence in the heading, and nothing else is tagged:
    a lead's stock phrase (优化营商环境) does not make the anti-fraud meeting a market story."""
    from newsbot.extract._topics import topic_evidence

    tags = {key: article.topics for key, article in page.items()}
    assert tags == {
        "凝聚精准治理合力": ("anti-fraud",),
        "我市人大常委会组": ("policy",),
        "衢州市党政代表团": (),
        "义乌“技能出海”": ("trade", "employment"),
        "我市多形式开展防": ("anti-fraud",),
        "亚芯微电子芯片封": ("industry",),
        "我市举办“科技进": ("trade", "technology"),
    }
    for article in page.values():
        evidence = topic_evidence(article.heading, article.summary, catalog)
        assert [e.topic_id for e in evidence] == list(article.topics)
        assert all(e.field == "headline" and e.term in article.heading for e in evidence)
