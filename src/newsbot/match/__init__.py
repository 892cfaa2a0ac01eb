"""Matching: which subscriber wants which article, and why. Pure: no network, no database.

Usage::

    from newsbot.match import RuleSpec, compile_matcher

    rules = [RuleSpec(id="shop-7/fraud", subscriber_id="shop-7",
                      query="(电信网络诈骗 OR 反洗钱) NOT 招聘")]
    matcher = compile_matcher(rules, topics)            # once per config version
    for m in matcher.match(article, source_id="ywsb"):
        print(m.rule_id, *m.explanations)              # matched 反洗钱 in body
    found = matcher.evaluate(article, source_id="ywsb")  # Matches: explained when read

The rule language, its evaluation order and the folding are specified in docs/rules.md.
"""

from __future__ import annotations

from newsbot.match._ast import Query
from newsbot.match._matcher import Matcher, Matches, compile_matcher
from newsbot.match._normalize import normalize
from newsbot.match._query import RuleSyntaxError, parse_query
from newsbot.match._rules import RuleSpec, validate_rule

__all__ = [
    "Matcher",
    "Matches",
    "Query",
    "RuleSpec",
    "RuleSyntaxError",
    "compile_matcher",
    "normalize",
    "parse_query",
    "validate_rule",
]
