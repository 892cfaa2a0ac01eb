"""Bad rules, by class: too long, too deep, huge regex repeats, surrogates, empty matches.

Each is a clear message with its offset in the rule, from the parser and from
`newsbot config check`; no input makes the parser raise anything but RuleSyntaxError
(the hypothesis fuzz at the end; NEWSBOT_FUZZ_EXAMPLES raises its example count).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.hardening._harness import Case, cfg, check_in_process

from newsbot.match import RuleSyntaxError, parse_query
from newsbot.match._query import MAX_NESTING, MAX_QUERY_CHARS

FUZZ_EXAMPLES = int(os.environ.get("NEWSBOT_FUZZ_EXAMPLES", "60"))

# (rule, message fragment, offset the error names)
PARSER_CASES = [
    ("/a{100000}/", "repeat count over 1000", 2),
    ("/x{2,99999}/", "repeat count over 1000", 2),
    ("/" + "a" * 400 + "/", "longer than 300", 1),
    ("(" * 100_000 + "x" + ")" * 100_000, f"at most {MAX_QUERY_CHARS} characters", MAX_QUERY_CHARS),
    ("NOT " * 100_000 + "x", f"at most {MAX_QUERY_CHARS} characters", MAX_QUERY_CHARS),
    ("-" * 100_000 + "x", f"at most {MAX_QUERY_CHARS} characters", MAX_QUERY_CHARS),
    ("(" * 40 + "x" + ")" * 40, f"nested more than {MAX_NESTING} deep", MAX_NESTING),
    ("NOT " * 40 + "x", f"nested more than {MAX_NESTING} deep", 4 * MAX_NESTING),
    ("-" * 40 + "x", f"nested more than {MAX_NESTING} deep", MAX_NESTING),
    ("headline:" * 40 + "x", f"nested more than {MAX_NESTING} deep", 9 * MAX_NESTING),
    ("反诈 \ud800 OR x", "lone surrogate", 3),
    ("/(诈骗)?/", "can match an empty text", 1),
    ("/a*/", "can match an empty text", 1),
    ("/(?=a)/", "can match an empty text", 1),
]


@pytest.mark.parametrize(("rule", "fragment", "offset"), PARSER_CASES, ids=lambda v: str(v)[:24])
def test_the_parser_refuses_with_the_offset(rule: str, fragment: str, offset: int) -> None:
    """Each bad rule is a RuleSyntaxError naming the problem and where it is."""
    with pytest.raises(RuleSyntaxError) as info:
        parse_query(rule)
    assert fragment in str(info.value)
    assert info.value.position == offset


def test_nesting_up_to_the_limit_parses() -> None:
    """A rule exactly at the nesting limit is fine: the bound refuses only what is past it."""
    depth = MAX_NESTING
    assert parse_query("(" * depth + "反诈" + ")" * depth).text.startswith("(")
    assert parse_query("NOT " * (depth - 1) + "反诈 x") is not None


def _rule(match: str) -> str:
    return cfg().replace("'电信网络诈骗 OR 反洗钱'", match)


CONFIG_CASES = [
    Case(
        "huge repeat", _rule("'/a{100000}/'"), "rule 'fraud': repeat count over 1000 (at offset 2)"
    ),
    Case(
        "100k parentheses", _rule("'" + "(" * 100_000 + "x" + ")" * 100_000 + "'"), "at most 4000"
    ),
    Case("deep parentheses", _rule("'" + "(" * 50 + "x" + ")" * 50 + "'"), "nested more than 32"),
    Case("100k NOTs", _rule("'" + "NOT " * 100_000 + "x'"), "at most 4000 characters"),
    Case("100k minus signs", _rule("'" + "-" * 100_000 + "x'"), "at most 4000 characters"),
    Case("empty-matching regex", _rule("'/(x)?/'"), "can match an empty text"),
    Case("surrogate term", _rule('"\\ud800"'), "lone surrogate | invalid Unicode character"),
    Case(
        "surrogate keyword",
        cfg(rule='any: ["\\udfff"]'),
        "lone surrogate | invalid Unicode character",
    ),
    Case("too many keywords", cfg(rule="any: [" + ", ".join(["词"] * 300) + "]"), "at most 200"),
    Case("keyword too long", cfg(rule="all: [" + "长" * 500 + "]"), "at most 200 characters"),
    Case("unknown field", _rule("'title:x'"), "unknown field 'title'"),
]


@pytest.mark.parametrize("case", CONFIG_CASES, ids=str)
def test_config_check_refuses_each_bad_rule(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`config check` names the file, line, rule and problem, and exits 2."""
    output = check_in_process(case, tmp_path, monkeypatch)
    assert "newsbot.yaml:" in output


_PIECES = st.sampled_from(
    [
        "(",
        ")",
        "（",
        "）",
        "NOT ",
        "-",
        " OR ",
        " AND ",
        '"',
        "“",
        "/",
        "\\",
        "a",
        "诈骗",
        "headline:",
        "topic:",
        "source:",
        "x{9999}",
        "*",
        "+",
        "?",
        "|",
        " ",
        "\ud800",
        ":",
    ]
)


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.one_of(st.text(max_size=200), st.lists(_PIECES, max_size=120).map("".join)))
def test_the_parser_only_ever_raises_rule_syntax_error(text: str) -> None:
    """Any text either parses or is a RuleSyntaxError with an offset inside the text."""
    position = 0
    try:
        parse_query(text)
    except RuleSyntaxError as exc:
        position = exc.position
    assert 0 <= position <= max(len(text), MAX_QUERY_CHARS)
