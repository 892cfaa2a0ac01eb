"""The compiled matcher on real articles: what matches, what does not, and why."""

from __future__ import annotations

import newsbot.match
from newsbot.match import RuleSpec, compile_matcher
from newsbot.match._reference import naive_matches
from newsbot.models import Article, Explanation

from .conftest import CATALOG, FRAUD, JOBS_FRAUD, MONEY, SKILLS


def rule(rule_id: str, **kwargs: object) -> RuleSpec:
    return RuleSpec(id=f"shop-7/{rule_id}", subscriber_id="shop-7", **kwargs)  # type: ignore[arg-type]


def matched(rules: list[RuleSpec], article: Article, source_id: str | None = None) -> list[str]:
    matcher = compile_matcher(rules, CATALOG)
    return [m.rule_id for m in matcher.match(article, source_id=source_id)]


def test_public_surface_is_sorted_and_complete() -> None:
    """__all__ is sorted and every name in it exists."""
    assert newsbot.match.__all__ == sorted(newsbot.match.__all__)
    assert all(hasattr(newsbot.match, name) for name in newsbot.match.__all__)


def test_fraud_alert_but_not_recruitment() -> None:
    """电信网络诈骗 or 反洗钱 but not 招聘: fraud and money articles match, job ads do not."""
    rules = [rule("fraud", query="(电信网络诈骗 OR 反洗钱) NOT 招聘")]
    assert [a.headline for a in (FRAUD, MONEY, SKILLS, JOBS_FRAUD) if matched(rules, a)] == [
        FRAUD.headline,
        MONEY.headline,
    ]


def test_sugar_is_the_same_as_the_query() -> None:
    """any/none keywords mean the same as the equivalent query."""
    sugar = [rule("fraud", any=("电信网络诈骗", "反洗钱"), none=("招聘",))]
    query = [rule("fraud", query="(电信网络诈骗 OR 反洗钱) NOT 招聘")]
    for article in (FRAUD, MONEY, SKILLS, JOBS_FRAUD):
        assert matched(sugar, article) == matched(query, article)


def test_explanation_names_term_field_and_snippet() -> None:
    """A match explains itself: the term as the admin wrote it, the field, and a snippet."""
    [match] = compile_matcher([rule("money", any=("反洗钱", "招聘"))]).match(MONEY)
    assert match.subscriber_id == "shop-7"
    assert match.explanations == (
        Explanation(
            "反洗钱",
            "body",
            "…、市公安局主办的2025年平安义乌文化周反洗钱宣传活动在国际商贸城举行。",
        ),
    )
    assert str(match.explanations[0]) == "matched 反洗钱 in body"


def test_every_hit_term_is_explained_in_its_first_field() -> None:
    """Each term that contributed is explained once, in headline before summary before body."""
    [match] = compile_matcher([rule("r", any=("电信网络诈骗", "营商环境", "招聘"))]).match(FRAUD)
    assert [(e.term, e.field) for e in match.explanations] == [
        ("电信网络诈骗", "headline"),
        ("营商环境", "body"),
    ]


def test_traditional_and_full_width_rules_match_simplified_text() -> None:
    """A rule in traditional or full-width forms matches simplified text, and the reverse."""
    assert matched([rule("r", any=("電信網絡詐騙",))], FRAUD) == ["shop-7/r"]
    assert matched([rule("r", any=("ＡＩ應用",))], SKILLS) == ["shop-7/r"]
    traditional = Article(headline="打擊電信網絡詐騙", body="")
    [match] = compile_matcher([rule("r", any=("电信网络诈骗",))]).match(traditional)
    assert match.explanations[0].snippet == "打擊電信網絡詐騙"  # displayed as published


def test_latin_terms_match_as_words() -> None:
    """ "AI" matches "AI应用" and "ai" but not inside "MAIL" or "AIGC"."""
    rules = [rule("ai", any=("AI",))]
    assert matched(rules, Article(headline="国际商贸AI应用", body="")) == ["shop-7/ai"]
    assert matched(rules, Article(headline="the ai era", body="")) == ["shop-7/ai"]
    assert matched(rules, Article(headline="请发 MAIL 联系", body="")) == []
    assert matched(rules, Article(headline="AIGC 大会", body="")) == []


def test_field_scope() -> None:
    """A rule scoped to headlines ignores the body, by rule default or by query prefix."""
    assert matched([rule("r", any=("营商环境",), fields=("headline",))], FRAUD) == []
    assert matched([rule("r", any=("营商环境",), fields=("body",))], FRAUD) == ["shop-7/r"]
    assert matched([rule("r", query="headline:营商环境")], FRAUD) == []
    assert matched([rule("r", query="summary:护企优商")], FRAUD) == ["shop-7/r"]


def test_source_scope() -> None:
    """A rule limited to sources matches only articles from them (and none of unknown source)."""
    rules = [rule("r", any=("反洗钱",), sources=("ywsb",)), rule("q", query="source:ywsb 反洗钱")]
    assert matched(rules, MONEY, source_id="ywsb") == ["shop-7/r", "shop-7/q"]
    assert matched(rules, MONEY, source_id="jhrb") == []
    assert matched(rules, MONEY) == []


def test_topic_rule_matches_tag_or_catalog_term() -> None:
    """topics: the article is tagged with the topic, OR a catalog term of it occurs in the text."""
    rules = [rule("t", topics=("anti-fraud",))]
    tagged_only = Article(headline="护企优商现场会", body="", topics=("anti-fraud",))
    [by_tag] = compile_matcher(rules, CATALOG).match(tagged_only)
    assert by_tag.explanations == (Explanation("反诈", "topics", "护企优商现场会"),)
    [by_term] = compile_matcher(rules, CATALOG).match(MONEY)  # untagged, says 经济犯罪
    assert ("经济犯罪", "headline") in [(e.term, e.field) for e in by_term.explanations]
    assert matched(rules, SKILLS) == []


def test_regex_rule_matches_and_explains() -> None:
    """A regex rule matches through the guard and explains with the pattern and snippet."""
    [match] = compile_matcher([rule("re", query="/打击.{0,8}诈骗/")]).match(FRAUD)
    assert match.explanations[0].term == "打击.{0,8}诈骗"
    assert match.explanations[0].field == "headline"
    assert matched([rule("re", query="/打击.{0,5}诈骗/")], FRAUD) == []


def test_not_with_positive_part_that_is_not_a_term() -> None:
    """A rule that can hold without any term hit (regex AND NOT) is still evaluated."""
    rules = [rule("r", query="/经济犯罪/ NOT 招聘")]
    assert matched(rules, MONEY) == ["shop-7/r"]
    assert matched(rules, JOBS_FRAUD) == []


def test_empty_rule_matches_nothing() -> None:
    """An empty or exclusion-only rule matches nothing, even when compiled by mistake."""
    rules = [rule("empty"), rule("none-only", none=("招聘",))]
    assert matched(rules, FRAUD) == []


def test_several_rules_and_subscribers_in_rule_order() -> None:
    """Every rule that holds yields its own Match, in the order the rules were given."""
    rules = [
        RuleSpec(id="a/1", subscriber_id="a", any=("反洗钱",)),
        RuleSpec(id="b/1", subscriber_id="b", all=("反洗钱", "义乌")),
        RuleSpec(id="a/2", subscriber_id="a", topics=("anti-fraud",)),
        RuleSpec(id="c/1", subscriber_id="c", any=("芯片",)),
    ]
    found = compile_matcher(rules, CATALOG).match(MONEY)
    assert [(m.subscriber_id, m.rule_id) for m in found] == [
        ("a", "a/1"),
        ("b", "b/1"),
        ("a", "a/2"),
    ]


def test_match_many_is_match_per_article() -> None:
    """match_many returns one list per article, the same as calling match on each."""
    matcher = compile_matcher([rule("r", any=("反洗钱", "电信网络诈骗"))])
    articles = [FRAUD, SKILLS, MONEY]
    assert matcher.match_many(articles) == [matcher.match(a) for a in articles]
    assert [len(x) for x in matcher.match_many(articles)] == [1, 0, 1]


def test_shared_terms_are_stored_once(page_article: Article) -> None:
    """Terms shared by many rules are interned once; each rule still matches on its own."""
    rules = [
        RuleSpec(id=f"s{i}/r", subscriber_id=f"s{i}", any=("反洗钱", "芯片")) for i in range(50)
    ]
    matcher = compile_matcher(rules)
    assert matcher.term_count == 2
    assert matcher.rule_count == 50
    assert len(matcher.match(page_article)) == 50


def test_source_only_rule_explains_with_the_source() -> None:
    """A rule that takes everything from a source explains itself by that source."""
    [match] = compile_matcher([rule("all", query="source:ywsb NOT 招聘")]).match(
        MONEY, source_id="ywsb"
    )
    assert match.explanations == (Explanation("source:ywsb", "source", MONEY.headline),)


def test_scoped_term_is_explained_in_its_own_scope_whatever_other_rules_exist() -> None:
    """A headline-scoped term is explained in the headline even when another rule, compiled
    alongside, explains the same term in the summary (the per-article cache is shared)."""
    article = Article(headline="反洗钱头条", summary="反洗钱摘要", body="无关正文")
    rules = [
        rule("sum", query="summary:反洗钱"),
        rule("tree", query="headline:反洗钱 NOT /zzz/"),  # the regex makes it a node tree
    ]
    explained = {
        m.rule_id: [(e.field, e.snippet) for e in m.explanations]
        for m in compile_matcher(rules).match(article)
    }
    assert explained == {
        "shop-7/sum": [("summary", "反洗钱摘要")],
        "shop-7/tree": [("headline", "反洗钱头条")],
    }


def test_field_scopes_hold_beside_rules_of_other_scopes() -> None:
    """The scan keys only the fields some rule is scoped to: a body-only rule still sees
    the body beside an any-field rule and a headline-only one, and a term in the headline
    alone does not satisfy the body-only rule."""
    in_body = Article(headline="新闻", summary="", body="打击电信网络诈骗")
    in_headline = Article(headline="电信网络诈骗", summary="", body="新闻")
    rules = [
        rule("any", any=("电信网络诈骗",)),
        rule("headline", any=("电信网络诈骗",), fields=("headline",)),
        rule("body", query="body:电信网络诈骗"),
        rule("summary", all=("电信网络诈骗",), fields=("summary",)),
    ]
    assert matched(rules, in_body) == ["shop-7/any", "shop-7/body"]
    assert matched(rules, in_headline) == ["shop-7/any", "shop-7/headline"]


def test_latin_word_boundaries_with_many_latin_terms() -> None:
    """With many Latin terms in the config, a Latin term still counts only as a whole
    word: "ai" inside "mail" does not match, "AI" on its own does, in any field."""
    rules = [rule(f"w{i}", any=(f"word{i}",)) for i in range(200)]
    rules.append(rule("ai", any=("AI",)))
    whole = Article(headline="", summary="mail", body="产业 AI 大会")
    inside = Article(headline="email", summary="mail", body="maintain")
    assert matched(rules, whole) == ["shop-7/ai"]
    assert matched(rules, inside) == []


def test_keyword_rules_of_every_shape_agree_with_the_reference() -> None:
    """Keyword rules are posted by their texts and compiled only when explained: repeated
    terms, a keyword that folds to nothing, a term both wanted and excluded, field and
    source scopes all hold exactly as the naive reference says, and read the same."""
    article = Article(headline="义乌反洗钱", summary="", body="打击电信网络诈骗 招聘")
    rules = [
        rule("twice", all=("反洗钱", "反洗錢")),  # one folded term, two clauses
        rule("blank-any", any=(" ", "诈骗")),  # a blank keyword matches nothing ...
        rule("blank-all", all=("诈骗", " ")),  # ... so this never holds
        rule("wanted-and-excluded", any=("义乌",), none=("义乌",)),
        rule("excluded", any=("诈骗",), none=("招聘",)),
        rule("not-excluded", any=("诈骗",), none=("芯片",)),
        rule("all-and-any", any=("芯片", "反洗钱"), all=("义乌", "电信网络诈骗")),
        rule("headline", any=("诈骗",), fields=("headline",)),
        rule("body", any=("诈骗",), fields=("body",)),
        rule("other-source", any=("诈骗",), sources=("jhrb",)),
        rule("this-source", any=("诈骗",), sources=("ywsb",)),
    ]
    matcher = compile_matcher(rules, CATALOG)
    found = matcher.evaluate(article, source_id="ywsb")
    expected = naive_matches(rules, article, topics=CATALOG, source_id="ywsb")
    assert expected == [
        "shop-7/twice",
        "shop-7/blank-any",
        "shop-7/not-excluded",
        "shop-7/all-and-any",
        "shop-7/body",
        "shop-7/this-source",
    ]
    assert [rule_id for _, rule_id in found.rule_ids()] == expected
    assert [m.rule_id for m in found] == expected
    assert [m.explanations for m in found] == [
        m.explanations
        for spec in rules
        for m in compile_matcher([spec], CATALOG).match(article, source_id="ywsb")
    ]


def test_rules_of_more_clauses_than_the_index_packs_still_match() -> None:
    """A rule of more clauses than a posting can number (all of 40 terms, keywords or a
    query) is compiled as a tree: it holds only when every term is there."""
    terms = [f"词{i:02d}" for i in range(40)]
    article = Article(headline="全文", summary="", body=" ".join(terms))
    missing_one = Article(headline="全文", summary="", body=" ".join(terms[1:]))
    rules = [
        rule("all-keywords", all=tuple(terms)),
        rule("all-query", query=" ".join(terms)),
        rule("all-and-none", all=tuple(terms), none=("招聘",)),
    ]
    assert matched(rules, article) == [spec.id for spec in rules]
    assert matched(rules, missing_one) == []
    for checked in (article, missing_one):
        assert matched(rules, checked) == naive_matches(rules, checked, topics=CATALOG)
