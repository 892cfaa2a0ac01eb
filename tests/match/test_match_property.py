"""Property tests: on random rules and texts the compiled matcher agrees with a naive reference."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsbot.match import RuleSpec, compile_matcher, normalize
from newsbot.match._ast import FIELDS
from newsbot.match._reference import naive_matches
from newsbot.models import Article, Match, Topic

# Overlapping terms, traditional and full-width variants, and Latin words that occur
# inside other words: the cases where a fast matcher most easily goes wrong.
VOCAB = [
    "电信网络诈骗", "电信", "诈骗", "網絡", "反洗钱", "洗钱", "反洗錢", "招聘", "义乌",
    "AI", "ai", "ＡＩ", "MAIL", "AIGC", "a", "ab", "b", "芯片", "商贸城", "护企 优商",
]  # fmt: skip
FILLER = list("的了，。 ！\nxyz1AaB")
REGEXES = ["/电信.{0,4}诈骗/", r"/\d+万/", "/ai|芯片/", "/洗.钱/", "/^义乌/"]
TOPICS = (
    Topic("fraud", "反诈", ("诈骗", "洗钱")),
    Topic("tech", "科技", ("AI", "芯片")),
)
SOURCES = ["ywsb", "jhrb"]


def _quote(term: str) -> str:
    return f'"{term}"' if " " in term else term


atoms = st.one_of(
    st.sampled_from(VOCAB).map(_quote),
    st.tuples(st.sampled_from(FIELDS), st.sampled_from(VOCAB)).map(
        lambda p: f"{p[0]}:{_quote(p[1])}"
    ),
    st.sampled_from(REGEXES),
    st.sampled_from(["topic:fraud", "topic:tech", "topic:unknown"]),
    st.sampled_from(SOURCES).map(lambda s: f"source:{s}"),
)
queries = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: f"({p[0]} OR {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"{p[0]} {p[1]}"),
        st.tuples(inner, inner).map(lambda p: f"{p[0]} AND {p[1]}"),
        inner.map(lambda q: f"NOT ({q})"),
        inner.map(lambda q: f"-({q})"),
    ),
    max_leaves=6,
)
keywords = st.lists(st.sampled_from(VOCAB), max_size=3).map(tuple)


@st.composite
def rules(draw: st.DrawFn, index: int = 0) -> RuleSpec:
    return RuleSpec(
        id=f"s{index}/r",
        subscriber_id=f"s{index}",
        query=draw(st.none() | queries),
        any=draw(keywords),
        all=draw(st.lists(st.sampled_from(VOCAB), max_size=2).map(tuple)),
        none=draw(st.lists(st.sampled_from(VOCAB), max_size=2).map(tuple)),
        topics=draw(st.lists(st.sampled_from(["fraud", "tech", "unknown"]), max_size=2).map(tuple)),
        fields=draw(
            st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3, unique=True).map(tuple)
        ),
        sources=draw(st.lists(st.sampled_from(SOURCES), max_size=1).map(tuple)),
    )


texts = st.lists(st.sampled_from(VOCAB) | st.sampled_from(FILLER), max_size=30).map("".join)
articles = st.builds(
    Article,
    headline=texts,
    summary=texts,
    body=texts,
    topics=st.lists(st.sampled_from(["fraud", "tech"]), max_size=2).map(tuple),
)
rule_lists = st.integers(1, 8).flatmap(lambda n: st.tuples(*(rules(i) for i in range(n))).map(list))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(rule_lists, st.lists(articles, min_size=1, max_size=3), st.none() | st.sampled_from(SOURCES))
def test_compiled_matcher_agrees_with_naive_reference(
    specs: list[RuleSpec], batch: list[Article], source_id: str | None
) -> None:
    """For random rules, texts, topics and sources, the same rules match as with `in` checks."""
    matcher = compile_matcher(specs, TOPICS)
    for article in batch:
        got = [m.rule_id for m in matcher.match(article, source_id=source_id)]
        assert got == naive_matches(specs, article, topics=TOPICS, source_id=source_id)


@settings(max_examples=200, deadline=None)
@given(rule_lists, articles)
def test_every_explanation_points_at_real_text(specs: list[RuleSpec], article: Article) -> None:
    """Each explanation names a field the article has, and its snippet holds the term found."""
    for match in compile_matcher(specs, TOPICS).match(article, source_id="ywsb"):
        assert match.explanations, match
        for explanation in match.explanations:
            if explanation.field == "source":
                assert explanation.term == "source:ywsb"
                continue
            if explanation.field == "topics":
                assert explanation.term in {t.name for t in TOPICS}
                continue
            if explanation.term.startswith("topic "):  # "topic 反诈 via 诈骗" in a field
                name, via = explanation.term.removeprefix("topic ").split(" via ")
                topic = next(t for t in TOPICS if t.name == name)
                assert topic.id in article.topics
                assert via in topic.terms
                assert explanation.field in ("headline", "summary")
                assert normalize(via) in normalize(explanation.snippet)
                continue
            assert explanation.field in FIELDS
            if not explanation.term.startswith("/") and explanation.term in VOCAB:
                folded_snippet = normalize(explanation.snippet)
                assert normalize(explanation.term).strip() in folded_snippet


def _folded(matches: list[Match]) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Matches with each term folded: a rule naming one term in two spellings (any: [ai],
    topics: [tech] whose catalog says AI) may show either."""
    return [
        (m.rule_id, [(normalize(e.term), e.field, e.snippet) for e in m.explanations])
        for m in matches
    ]


@settings(max_examples=100, deadline=None)
@given(rule_lists, articles, st.none() | st.sampled_from(SOURCES))
def test_each_rule_matches_as_if_compiled_alone(
    specs: list[RuleSpec], article: Article, source_id: str | None
) -> None:
    """Rules compiled together share terms and per-article caches, yet each one matches and
    explains (field and snippet) as it does compiled on its own."""
    together = compile_matcher(specs, TOPICS).match(article, source_id=source_id)
    alone = [
        m
        for spec in specs
        for m in compile_matcher([spec], TOPICS).match(article, source_id=source_id)
    ]
    assert _folded(together) == _folded(alone)


@st.composite
def keyword_rules(draw: st.DrawFn, index: int = 0) -> RuleSpec:
    """Keyword-only rules (no query): the clause form evaluated with set operations."""
    return RuleSpec(
        id=f"k{index}/r",
        subscriber_id=f"k{index % 3}",
        any=draw(st.lists(st.sampled_from(VOCAB), max_size=4).map(tuple)),
        all=draw(st.lists(st.sampled_from(VOCAB), max_size=3).map(tuple)),
        none=draw(st.lists(st.sampled_from(VOCAB), max_size=2).map(tuple)),
        topics=draw(st.lists(st.sampled_from(["fraud", "tech", "unknown"]), max_size=2).map(tuple)),
        fields=draw(
            st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3, unique=True).map(tuple)
        ),
        sources=draw(st.lists(st.sampled_from(SOURCES), max_size=2).map(tuple)),
    )


many_keyword_rules = st.integers(1, 25).flatmap(
    lambda n: st.tuples(*(keyword_rules(i) for i in range(n))).map(list)
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    many_keyword_rules,
    rule_lists,
    st.lists(articles, min_size=1, max_size=3),
    st.none() | st.sampled_from(SOURCES),
)
def test_clause_and_tree_rules_mixed_agree_with_reference(
    keyword_specs: list[RuleSpec],
    query_specs: list[RuleSpec],
    batch: list[Article],
    source_id: str | None,
) -> None:
    """Dozens of keyword rules (one to several clauses, exclusions, sources, topics) mixed
    with query rules match as the reference says; ``evaluate`` counts and names the same
    rules as ``match`` without explaining them."""
    specs = [*keyword_specs, *query_specs]
    matcher = compile_matcher(specs, TOPICS)
    for article in batch:
        found = matcher.evaluate(article, source_id=source_id)
        got = matcher.match(article, source_id=source_id)
        assert [m.rule_id for m in got] == naive_matches(
            specs, article, topics=TOPICS, source_id=source_id
        )
        assert len(found) == len(got)
        assert found.rule_ids() == [(m.subscriber_id, m.rule_id) for m in got]
        assert list(found) == got
        assert found[::-1] == got[::-1]
