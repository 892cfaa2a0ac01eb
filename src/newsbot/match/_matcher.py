"""The compiled matcher: one Aho-Corasick automaton over every distinct folded term.

Usage::

    matcher = compile_matcher(rules, topics)       # once per config version
    for match in matcher.match(article, source_id="ywsb"):
        print(match.rule_id, [str(e) for e in match.explanations])

How it stays fast with 100,000 rules: terms shared by many rules are stored once; a
posting list maps each term to the rules that can only hold when some term hits. One pass
of the automaton over the folded headline, summary and body finds the hit terms; only the
rules posted under them (plus rules indexed by the article's topics, plus the few rules
that can hold without any literal hit — regex-only rules, for instance) are evaluated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ahocorasick

from newsbot.match._ast import FIELDS, And, Node, Not, Or, Pattern, SourceRef, Term, TopicRef
from newsbot.match._guard import compile_guarded, fold_pattern
from newsbot.match._nodes import (
    CAnd,
    CNode,
    CNot,
    COr,
    CPattern,
    CSource,
    CTag,
    CTerm,
    Scan,
    field_mask,
)
from newsbot.match._normalize import is_word_char, normalize
from newsbot.match._rules import RuleSpec, rule_expression
from newsbot.models import Article, Explanation, Match, Topic

_ALL_FIELDS = field_mask(FIELDS)
# A trigger is a term id (int) or a topic id (str) whose presence a rule needs.
Trigger = int | str


@dataclass(frozen=True)
class _Compiled:
    spec: RuleSpec
    node: CNode
    sources: frozenset[str]


class _Builder:
    """Turns rule trees into compiled nodes, interning terms and collecting triggers."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.topics = {t.id: t for t in topics}
        self.term_ids: dict[str, int] = {}
        self.terms: list[str] = []

    def term(self, text: str, mask: int) -> tuple[CNode, set[Trigger] | None]:
        folded = normalize(text).strip()
        if not folded:
            return COr(()), set()  # never holds: an empty keyword matches nothing
        term_id = self.term_ids.setdefault(folded, len(self.terms))
        if term_id == len(self.terms):
            self.terms.append(folded)
        return CTerm(term_id, mask, text.strip()), {term_id}

    def topic(self, topic_id: str) -> tuple[CNode, set[Trigger] | None]:
        topic = self.topics.get(topic_id)
        name = topic.name if topic else topic_id
        items: list[CNode] = [CTag(topic_id, name)]
        triggers: set[Trigger] = {topic_id}
        for text in topic.terms if topic else ():
            node, term_triggers = self.term(text, _ALL_FIELDS)
            items.append(node)
            triggers |= term_triggers or set()
        return COr(tuple(items)), triggers

    def leaf(self, node: Node, mask: int) -> tuple[CNode, set[Trigger] | None] | None:
        """Compiled leaf and its triggers, or None when ``node`` is not a leaf."""
        if isinstance(node, Term):
            return self.term(node.text, field_mask(node.fields) if node.fields else mask)
        if isinstance(node, Pattern):
            scope = field_mask(node.fields) if node.fields else mask
            return CPattern(compile_guarded(fold_pattern(node.source)), scope, node.source), None
        if isinstance(node, TopicRef):
            return self.topic(node.id)
        if isinstance(node, SourceRef):
            return CSource(node.id), None
        return None

    def build(self, node: Node, mask: int) -> tuple[CNode, set[Trigger] | None]:
        """Compiled node and its trigger set (None: it may hold with no trigger present)."""
        leaf = self.leaf(node, mask)
        if leaf is not None:
            return leaf
        if isinstance(node, Not):
            return CNot(self.build(node.item, mask)[0]), None
        assert isinstance(node, And | Or)
        built = [self.build(item, mask) for item in node.items]
        nodes = tuple(b[0] for b in built)
        trigger_sets = [b[1] for b in built]
        if isinstance(node, And):
            # An AND holds only if each child holds: the smallest known trigger set suffices.
            known = [t for t in trigger_sets if t is not None]
            return CAnd(nodes), min(known, key=len) if known else None
        if any(t is None for t in trigger_sets):
            return COr(nodes), None
        return COr(nodes), set().union(*(t for t in trigger_sets if t is not None))


class Matcher:
    """Rules compiled once; ``match`` is pure and safe to call from several threads."""

    def __init__(self, rules: Sequence[RuleSpec], topics: Sequence[Topic] = ()) -> None:
        builder = _Builder(topics)
        self._rules: list[_Compiled] = []
        postings: dict[Trigger, list[int]] = {}
        self._always: list[int] = []
        for spec in rules:
            expression = rule_expression(spec)
            if expression is None:
                continue  # an empty rule matches nothing (validate_rule reports it)
            node, triggers = builder.build(expression, field_mask(spec.fields) or _ALL_FIELDS)
            index = len(self._rules)
            self._rules.append(_Compiled(spec, node, frozenset(spec.sources)))
            if triggers is None:
                self._always.append(index)
            for trigger in triggers or ():
                postings.setdefault(trigger, []).append(index)
        self._terms = builder.terms
        self._term_postings = [postings.get(i, []) for i in range(len(builder.terms))]
        self._topic_postings = {k: v for k, v in postings.items() if isinstance(k, str)}
        self._bounds = [(is_word_char(t[0]), is_word_char(t[-1])) for t in builder.terms]
        self._automaton = ahocorasick.Automaton() if builder.terms else None
        if self._automaton is not None:
            for term_id, term in enumerate(builder.terms):
                self._automaton.add_word(term, (term_id, len(term)))
            self._automaton.make_automaton()

    @property
    def rule_count(self) -> int:
        """Number of (non-empty) rules compiled."""
        return len(self._rules)

    @property
    def term_count(self) -> int:
        """Number of distinct folded terms in the automaton."""
        return len(self._terms)

    def _scan(self, article: Article, source_id: str | None) -> Scan:
        texts = (article.headline, article.summary, article.body)
        folded = tuple(normalize(t) for t in texts)
        hits: dict[int, list[tuple[int, int, int]]] = {}
        masks: dict[int, int] = {}
        automaton, bounds = self._automaton, self._bounds
        for index, text in enumerate(folded):
            if automaton is None or not text:
                continue
            bit = 1 << index
            for end, (term_id, length) in automaton.iter(text):
                if masks.get(term_id, 0) & bit:
                    continue  # first occurrence per field is enough
                start = end - length + 1
                left, right = bounds[term_id]
                if left and start > 0 and is_word_char(text[start - 1]):
                    continue  # "AI" must not hit inside "MAIL"
                if right and end + 1 < len(text) and is_word_char(text[end + 1]):
                    continue
                masks[term_id] = masks.get(term_id, 0) | bit
                hits.setdefault(term_id, []).append((index, start, end + 1))
        topics = frozenset(article.topics)
        return Scan(texts, folded, hits, masks, topics, source_id, article.headline)

    def _candidates(self, scan: Scan) -> list[int]:
        candidates: set[int] = set(self._always)
        postings = self._term_postings
        for term_id in scan.masks:
            candidates.update(postings[term_id])
        for topic_id in scan.topics:
            candidates.update(self._topic_postings.get(topic_id, ()))
        return sorted(candidates)

    def match(self, article: Article, *, source_id: str | None = None) -> list[Match]:
        """One Match per rule that holds for ``article``, in rule order, each explained.

        A rule scoped to ``sources`` never matches when ``source_id`` is None.
        """
        scan = self._scan(article, source_id)
        matches: list[Match] = []
        for index in self._candidates(scan):
            rule = self._rules[index]
            if rule.sources and source_id not in rule.sources:
                continue
            if not rule.node.test(scan):
                continue
            explanations: list[Explanation] = []
            rule.node.explain(scan, explanations)
            if not explanations:  # e.g. "source:ywsb": everything from a source, no term
                explanations.append(Explanation(f"source:{source_id}", "source", scan.headline))
            unique = tuple(dict.fromkeys(explanations))
            matches.append(Match(rule.spec.subscriber_id, rule.spec.id, unique))
        return matches

    def match_many(
        self, articles: Sequence[Article], *, source_id: str | None = None
    ) -> list[list[Match]]:
        """``match`` for each article, in order."""
        return [self.match(article, source_id=source_id) for article in articles]


def compile_matcher(rules: Sequence[RuleSpec], topics: Sequence[Topic] = ()) -> Matcher:
    """Compile ``rules`` once per config version; raises RuleSyntaxError on a bad query."""
    return Matcher(rules, topics)
