"""Regular expressions are guarded: exponential shapes are refused, input is chunked."""

from __future__ import annotations

import pytest

from newsbot.match._guard import (
    MAX_REGEX_INPUT_CHARS,
    RegexRejected,
    compile_guarded,
    fold_pattern,
    search_chunks,
)


@pytest.mark.parametrize(
    "pattern",
    [
        "(a+)+$",
        "(a*)*b",
        "(a|aa)*",
        "(.*x){3}",
        "(?:a+)+",
        "(x+x+)+y",
        r"(\w)\1",
        "(?P<w>a)(?P=w)",
        "a*b*c*d*",
        "",
        "x" * 301,
        "(unbalanced",
        "a)",
    ],
)
def test_rejects_dangerous_or_invalid_patterns(pattern: str) -> None:
    """Nested quantifiers, backreferences, too many unbounded repeats and bad syntax are refused."""
    with pytest.raises(RegexRejected):
        compile_guarded(pattern)


@pytest.mark.parametrize(
    "pattern",
    [r"\d+万元", "电信.{0,10}诈骗", "(ab)+", "x(a+)?", "[(]+x", r"\(a+\)+", "a{}", "(?i)ai"],
)
def test_accepts_ordinary_patterns(pattern: str) -> None:
    """Ordinary patterns, including quantified groups without inner repeats, compile."""
    assert compile_guarded(pattern).pattern == pattern


def test_patterns_ignore_case() -> None:
    """Patterns match regardless of letter case (the text is folded to lower case)."""
    assert search_chunks(compile_guarded("AI"), "国际商贸ai应用") == (4, 6)


def test_search_reports_offsets_in_the_whole_text() -> None:
    """A hit in a later sentence is reported at its offset in the whole text."""
    text = "第一句。第二句有洗钱。"
    assert search_chunks(compile_guarded("洗钱"), text) == (8, 10)


def test_search_does_not_span_sentences() -> None:
    """A pattern does not match across a sentence end (each sentence is searched alone)."""
    assert search_chunks(compile_guarded("电信.*诈骗"), "电信网络。诈骗") is None


def test_search_covers_long_sentences_in_chunks() -> None:
    """A hit beyond the first chunk of a very long sentence is still found."""
    text = "字" * (MAX_REGEX_INPUT_CHARS * 2 + 7) + "洗钱"
    assert search_chunks(compile_guarded("洗钱"), text) == (len(text) - 2, len(text))


def test_fold_pattern_folds_cjk_and_keeps_ascii_syntax() -> None:
    """Traditional and full-width characters fold like the text; ASCII escapes stay as written."""
    assert fold_pattern(r"電信（\D）") == r"电信\(\D\)"
