"""The rule language: what parses to what, and where errors point."""

from __future__ import annotations

import pytest

from newsbot.errors import NewsbotError
from newsbot.match import RuleSyntaxError, parse_query
from newsbot.match._ast import And, Not, Or, Pattern, SourceRef, Term, TopicRef


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("反洗钱", Term("反洗钱")),
        ("反洗钱 NOT 招聘", And((Term("反洗钱"), Not(Term("招聘"))))),
        ("反洗钱 -招聘", And((Term("反洗钱"), Not(Term("招聘"))))),
        ("a OR b c", Or((Term("a"), And((Term("b"), Term("c")))))),
        ("a AND b OR c", Or((And((Term("a"), Term("b"))), Term("c")))),
        ("(a OR b) c", And((Or((Term("a"), Term("b"))), Term("c")))),
        ("（a OR b） c", And((Or((Term("a"), Term("b"))), Term("c")))),
        ("NOT NOT a", Not(Not(Term("a")))),
        ('"anti money laundering"', Term("anti money laundering")),
        ("“电信 诈骗”", Term("电信 诈骗")),
        ("headline:反诈", Term("反诈", ("headline",))),
        (
            "body:(反诈 OR 防骗)",
            Or((Term("反诈", ("body",)), Term("防骗", ("body",)))),
        ),
        ('summary:"护企 优商"', Term("护企 优商", ("summary",))),
        ("topic:anti-fraud", TopicRef("anti-fraud")),
        ("source:ywsb 反诈", And((SourceRef("ywsb"), Term("反诈")))),
        ("/电信.{0,10}诈骗/", Pattern("电信.{0,10}诈骗")),
        (r"/a\/b/", Pattern("a/b")),
        ("headline:/AI.{0,3}应用/", Pattern("AI.{0,3}应用", ("headline",))),
        ("a and b", And((Term("a"), Term("and"), Term("b")))),
        ("co-op", Term("co-op")),
        ("a -(b OR c)", And((Term("a"), Not(Or((Term("b"), Term("c"))))))),
        ("a - b", And((Term("a"), Term("-"), Term("b")))),
    ],
)
def test_parses_to_tree(text: str, tree: object) -> None:
    """Each construct of the language parses to the tree docs/rules.md describes."""
    assert parse_query(text).root == tree


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("", 0, "empty query"),
        ("   ", 0, "empty query"),
        ("(a OR b", 0, "missing closing parenthesis"),
        ("a OR", 4, "term is missing"),
        ("a )", 2, "unexpected ')'"),
        ("NOT", 3, "term is missing"),
        ('"unterminated', 0, "unterminated quoted phrase"),
        ("/abc", 0, "unterminated regular expression"),
        ("title:反诈", 0, "unknown field 'title'"),
        ("a 10:30", 2, "unknown field '10'"),
        ("/(a+)+/", 5, "nested quantifier"),
        ("x /(a/", 3, "invalid regular expression"),
        ("body:headline:x", 5, "inside a body: scope"),
        ("topic:(a)", 6, "topic: needs an id"),
        ('""', 0, "empty phrase"),
    ],
)
def test_errors_name_the_offset(text: str, position: int, words: str) -> None:
    """A syntax error says what is wrong and the 0-based offset where it is."""
    with pytest.raises(RuleSyntaxError) as caught:
        parse_query(text)
    assert caught.value.position == position
    assert words in caught.value.message


def test_syntax_error_is_a_newsbot_value_error() -> None:
    """RuleSyntaxError belongs to the newsbot tree and is a ValueError for callers that want one."""
    with pytest.raises(RuleSyntaxError) as caught:
        parse_query("(")
    assert isinstance(caught.value, NewsbotError)
    assert isinstance(caught.value, ValueError)


def test_query_keeps_its_text() -> None:
    """A parsed Query carries the text it came from, for messages and the CLI."""
    assert parse_query("反洗钱 NOT 招聘").text == "反洗钱 NOT 招聘"
