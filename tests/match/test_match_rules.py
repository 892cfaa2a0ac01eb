"""RuleSpec validation: every problem named, a valid rule has none."""

from __future__ import annotations

import pytest

from newsbot.match import RuleSpec, validate_rule
from newsbot.match._ast import And, Not, Or, Term, TopicRef
from newsbot.match._rules import rule_expression

TOPICS = {"anti-fraud", "employment"}


def rule(**kwargs: object) -> RuleSpec:
    return RuleSpec(id="shop-7/r1", subscriber_id="shop-7", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "spec",
    [
        rule(query="(电信网络诈骗 OR 反洗钱) NOT 招聘"),
        rule(any=("电信网络诈骗", "反洗钱"), none=("招聘",)),
        rule(topics=("anti-fraud",), fields=("headline",), mode="both"),
        rule(all=("义乌", "AI"), sources=("ywsb",), mode="digest"),
        rule(query="/电信.{0,10}诈骗/"),
    ],
)
def test_valid_rules_have_no_problems(spec: RuleSpec) -> None:
    """Well-formed rules validate to an empty problem list."""
    assert validate_rule(spec, TOPICS) == []


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (rule(), "empty rule"),
        (rule(none=("招聘",)), "empty rule"),
        (rule(query="   "), "empty rule"),
        (rule(query="(反诈"), "query: missing closing parenthesis"),
        (rule(query="/(a+)+/"), "nested quantifier"),
        (rule(topics=("weather",)), "unknown topic 'weather'"),
        (rule(query="topic:weather"), "unknown topic 'weather'"),
        (rule(any=("反诈",), fields=("title",)), "unknown field 'title'"),
        (rule(query="title:反诈"), "query: unknown field 'title'"),
        (rule(any=("反诈",), fields=()), "fields must name at least one"),
        (rule(any=("反诈",), mode="instant"), "mode must be one of"),
        (rule(any=(" ",)), "empty keyword"),
    ],
)
def test_problems_are_named(spec: RuleSpec, words: str) -> None:
    """Each kind of mistake yields a problem that says what is wrong, prefixed by the rule id."""
    problems = validate_rule(spec, TOPICS)
    assert any(words in p for p in problems), problems
    assert all(p.startswith("rule shop-7/r1: ") for p in problems)


def test_rule_expression_combines_every_part_with_and() -> None:
    """query AND any-of AND each all-of AND NOT none-of AND topics, in that order."""
    spec = rule(query="义乌", any=("a", "b"), all=("c",), none=("d", "e"), topics=("anti-fraud",))
    assert rule_expression(spec) == And(
        (
            Term("义乌"),
            Or((Term("a"), Term("b"))),
            Term("c"),
            Not(Or((Term("d"), Term("e")))),
            TopicRef("anti-fraud"),
        )
    )


def test_exclusion_only_rule_is_empty() -> None:
    """A rule with only exclusions has no expression: it must not match everything."""
    assert rule_expression(rule(none=("招聘",))) is None
