"""A naive reference matcher: the rule tree evaluated with ``in``, one term at a time.

Usage::

    naive_matches(rules, article, topics=topics, source_id="ywsb")   # -> ["shop-7/fraud", ...]

It is deliberately simple and slow. The property tests check that the compiled matcher
agrees with it on random rules and texts, and ``bench/bench_match.py`` measures both.
"""

from __future__ import annotations

from collections.abc import Sequence

from newsbot.match._ast import (
    FIELDS,
    TOPIC_TERM_FIELDS,
    And,
    Node,
    Not,
    Or,
    Pattern,
    SourceRef,
    Term,
    TopicRef,
    field_texts,
)
from newsbot.match._guard import compile_guarded, fold_pattern, search_chunks
from newsbot.match._normalize import is_word_char, normalize
from newsbot.match._rules import RuleSpec, rule_expression
from newsbot.models import Article, Topic


def contains_term(text: str, term: str) -> bool:
    """``term in text`` (both folded), with Latin word boundaries for ASCII-alnum ends."""
    if not term:
        return False
    start = text.find(term)
    while start >= 0:
        end = start + len(term)
        left_ok = not (is_word_char(term[0]) and start > 0 and is_word_char(text[start - 1]))
        right_ok = not (is_word_char(term[-1]) and end < len(text) and is_word_char(text[end]))
        if left_ok and right_ok:
            return True
        start = text.find(term, start + 1)
    return False


class _Evaluator:
    def __init__(self, article: Article, topics: Sequence[Topic], source_id: str | None) -> None:
        texts = field_texts(article)
        self.folded = dict(zip(FIELDS, (normalize(t) for t in texts), strict=True))
        self.tags = set(article.topics)
        self.topics = {t.id: t for t in topics}
        self.source_id = source_id

    def text_holds(self, node: Term | Pattern, scope: tuple[str, ...]) -> bool:
        if isinstance(node, Term):
            term = normalize(node.text).strip()
            return any(contains_term(self.folded[f], term) for f in node.fields or scope)
        compiled = compile_guarded(fold_pattern(node.source))
        fields = node.fields or scope
        return any(search_chunks(compiled, self.folded[f]) is not None for f in fields)

    def holds(self, node: Node, scope: tuple[str, ...]) -> bool:
        if isinstance(node, Term | Pattern):
            return self.text_holds(node, scope)
        if isinstance(node, TopicRef):
            topic = self.topics.get(node.id)
            terms = topic.terms if topic else ()
            return node.id in self.tags or any(
                self.holds(Term(t, TOPIC_TERM_FIELDS), scope) for t in terms
            )
        if isinstance(node, SourceRef):
            return node.id == self.source_id
        if isinstance(node, Not):
            return not self.holds(node.item, scope)
        if isinstance(node, And):
            return all(self.holds(item, scope) for item in node.items)
        assert isinstance(node, Or)
        return any(self.holds(item, scope) for item in node.items)


def naive_matches(
    rules: Sequence[RuleSpec],
    article: Article,
    *,
    topics: Sequence[Topic] = (),
    source_id: str | None = None,
) -> list[str]:
    """Ids of the rules that hold for ``article``, in rule order."""
    evaluator = _Evaluator(article, topics, source_id)
    matched = []
    for spec in rules:
        expression = rule_expression(spec)
        if expression is None or (spec.sources and source_id not in spec.sources):
            continue
        if evaluator.holds(expression, tuple(f for f in spec.fields if f in FIELDS) or FIELDS):
            matched.append(spec.id)
    return matched
