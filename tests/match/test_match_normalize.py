"""Folding: traditional→simplified, full→half width, case; one character for one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsbot.match import normalize


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("電信網絡詐騙", "电信网络诈骗"),
        ("反洗錢", "反洗钱"),
        ("ＡＩ應用", "ai应用"),
        ("ＡｌｉＰａｙ", "alipay"),
        ("１２３４５", "12345"),
        ("AI", "ai"),
        ("全角\u3000空格", "全角 空格"),
        ("义乌商报", "义乌商报"),
    ],
)
def test_folds_traditional_full_width_and_case(text: str, folded: str) -> None:
    """Traditional, full-width and upper-case forms fold to simplified, half-width, lower."""
    assert normalize(text) == folded


def test_multi_character_folds_are_left_alone() -> None:
    """Characters whose fold would be several characters (ß, ﬁ, ㎏) stay as they are."""
    assert normalize("ßﬁ㎏") == "ßﬁ㎏"


@given(st.text(max_size=200))
def test_fold_keeps_length_and_positions(text: str) -> None:
    """The fold never changes the length, so positions map back to the original text."""
    assert len(normalize(text)) == len(text)


@given(st.text(max_size=100))
def test_fold_is_idempotent(text: str) -> None:
    """Folding folded text changes nothing."""
    once = normalize(text)
    assert normalize(once) == once
