"""A subscriber's rule as the config declares it, and its meaning as one expression.

Usage::

    spec = RuleSpec(id="shop-7/fraud", subscriber_id="shop-7", any=("电信网络诈骗", "反洗钱"),
                    none=("招聘",))
    problems = validate_rule(spec, topic_ids={"anti-fraud"})   # [] when fine

A rule means: query AND any-of AND all-of AND NOT none-of AND topics-if-given, within
``sources`` if given. ``rule_expression`` builds exactly that tree, so the compiled matcher
and the naive reference evaluate one and the same meaning.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from newsbot.match._ast import FIELDS, And, Node, Not, Or, Term, TopicRef, walk
from newsbot.match._normalize import normalize
from newsbot.match._query import RuleSyntaxError, parse_query

MODES = ("alert", "digest", "both")


@dataclass(frozen=True)
class RuleSpec:
    """One rule of one subscriber, as declared in config (see docs/rules.md)."""

    id: str
    subscriber_id: str
    query: str | None = None
    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    fields: tuple[str, ...] = FIELDS
    sources: tuple[str, ...] = ()
    mode: str = "alert"


def _one_or_many(items: list[Node], kind: type[And] | type[Or]) -> Node:
    return items[0] if len(items) == 1 else kind(tuple(items))


def rule_expression(spec: RuleSpec) -> Node | None:
    """The whole rule as one tree, or None for an empty rule (which matches nothing).

    Raises :class:`RuleSyntaxError` when ``spec.query`` does not parse.
    """
    parts: list[Node] = []
    if spec.query is not None and spec.query.strip():
        parts.append(parse_query(spec.query).root)
    if spec.any:
        parts.append(_one_or_many([Term(t) for t in spec.any], Or))
    parts.extend(Term(t) for t in spec.all)
    if spec.none:
        parts.append(Not(_one_or_many([Term(t) for t in spec.none], Or)))
    if spec.topics:
        parts.append(_one_or_many([TopicRef(t) for t in spec.topics], Or))
    if not parts or all(isinstance(p, Not) for p in parts):
        # Only exclusions: "everything except ..." is never what an admin meant.
        return None
    return _one_or_many(parts, And)


def validate_rule(spec: RuleSpec, topic_ids: Collection[str]) -> list[str]:
    """Every problem of ``spec`` as a readable sentence; an empty list means it is fine."""
    prefix = f"rule {spec.id}: "
    problems: list[str] = []
    if spec.mode not in MODES:
        problems.append(f"{prefix}mode must be one of {', '.join(MODES)}, not {spec.mode!r}")
    problems.extend(
        f"{prefix}unknown field {f!r} (known: {', '.join(FIELDS)})"
        for f in spec.fields
        if f not in FIELDS
    )
    if not spec.fields:
        problems.append(f"{prefix}fields must name at least one of {', '.join(FIELDS)}")
    try:
        expression = rule_expression(spec)
    except RuleSyntaxError as exc:
        return [*problems, f"{prefix}query: {exc}"]
    if expression is None:
        problems.append(
            f"{prefix}empty rule: give a query, any, all or topics (none alone matches nothing)"
        )
        return problems
    for node in walk(expression):
        # Field prefixes need no check here: the parser refuses unknown ones.
        if isinstance(node, Term) and not normalize(node.text).strip():
            problems.append(f"{prefix}empty keyword")
        if isinstance(node, TopicRef) and node.id not in topic_ids:
            problems.append(f"{prefix}unknown topic {node.id!r}")
    return problems
