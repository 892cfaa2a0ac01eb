"""The compiled matcher: one Aho-Corasick automaton over every distinct folded term.

Usage::

    matcher = compile_matcher(rules, topics)       # once per config version
    for match in matcher.match(article, source_id="ywsb"):
        print(match.rule_id, [str(e) for e in match.explanations])
    found = matcher.evaluate(article)              # lazy: len(found), found.rule_ids()

How it stays fast with 100,000 rules: terms shared by many rules are stored once. One pass
of the automaton over the folded headline, summary and body gives the article's hit keys
(term × field, topic tags). Rules in clause form are then found with a dozen numpy calls
over int32 postings of (rule, clause) (``_index.ClauseIndex``): no Python code runs per
rule or per match. The few rules in tree form (regexes, nested NOT/OR, ``source:``) are
tested when one of their trigger terms or tags hit, or always when they have none. Match
objects, explanations and snippets are made only for the matches that are read; keyword
rules (most rules) are compiled to their clauses only then, the first time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from operator import itemgetter
from typing import overload

import ahocorasick
import numpy as np
import numpy.typing as npt

from newsbot._collector import collector_paused
from newsbot.match._ast import field_texts
from newsbot.match._builder import ANY_FIELD, Builder, Compiled, Trigger
from newsbot.match._index import ClauseIndex
from newsbot.match._nodes import Scan, tag_explanation, term_explanation
from newsbot.match._normalize import is_word_char, normalize
from newsbot.match._rules import RuleSpec
from newsbot.models import Article, Explanation, Match, Topic

__all__ = ["Matcher", "compile_matcher"]

_swap = itemgetter(1, 0)  # (end, term id) -> (term id, end), in C


class Matcher:
    """Rules compiled once; ``match`` is pure and safe to call from several threads."""

    def __init__(self, rules: Sequence[RuleSpec], topics: Sequence[Topic] = ()) -> None:
        # Compiling makes millions of acyclic objects (keys, postings, compiled rules).
        with collector_paused():
            self._compile(rules, topics)

    def _compile(self, rules: Sequence[RuleSpec], topics: Sequence[Topic]) -> None:
        builder = Builder(topics)
        # By rule index: the compiled rule, or None for a keyword rule until it is first
        # explained (then compiled from its spec, kept in _specs).
        self._rules: list[Compiled | None] = []
        self._specs: list[RuleSpec] = []
        self._ids: list[tuple[str, str]] = []  # (subscriber id, rule id) by rule index
        self._index = ClauseIndex()
        self._trees = _TreeIndex()
        for spec in rules:
            field = builder.keyword_field(spec)
            if field is not None:  # most rules: posted by their texts, compiled in bulk
                if not (spec.any or spec.all):
                    continue  # exclusions alone match nothing (validate_rule reports it)
                self._index.add_keywords(len(self._rules), spec, field)
                self._rules.append(None)
            else:
                built = builder.compile(spec)
                if built is None:
                    continue  # an empty rule matches nothing (validate_rule reports it)
                compiled, triggers = built
                if compiled.node is None:
                    self._index.add(len(self._rules), compiled)
                else:
                    self._trees.add(len(self._rules), triggers)
                self._rules.append(compiled)
            self._specs.append(spec)
            self._ids.append((spec.subscriber_id, spec.id))
        self._builder = builder
        self._index.freeze(builder, len(self._rules))
        self._trees.freeze()
        self._bounds = [(is_word_char(t[0]), is_word_char(t[-1])) for t in builder.terms]
        self._latin = frozenset(i for i, bounds in enumerate(self._bounds) if any(bounds))
        self._lengths = [len(term) for term in builder.terms]
        self._automaton = ahocorasick.Automaton() if builder.terms else None
        if self._automaton is not None:
            for term_id, term in enumerate(builder.terms):
                self._automaton.add_word(term, term_id)
            self._automaton.make_automaton()

    @property
    def rule_count(self) -> int:
        """Number of (non-empty) rules compiled."""
        return len(self._rules)

    @property
    def terms(self) -> tuple[str, ...]:
        """The distinct folded terms of the automaton, by term id."""
        return tuple(self._builder.terms)

    @property
    def term_count(self) -> int:
        """Number of distinct folded terms in the automaton."""
        return len(self._builder.terms)

    def _scan(self, article: Article, source_id: str | None) -> Scan:
        texts = field_texts(article)
        scan = Scan(texts, tuple(normalize(t) for t in texts), article, source_id, self._lengths)
        automaton = self._automaton
        for text in scan.folded:
            if automaton is None or not text:
                scan.first.append({})
                continue
            found = list(automaton.iter(text))  # (end, term id), in text order
            # The first occurrence of each term: later ones overwrite, so read backwards.
            first = dict(map(_swap, reversed(found)))
            # intersection() walks the hits, not every Latin term of the config: a
            # dict_keys & frozenset would walk the frozenset (only sets get swapped).
            for term_id in self._latin.intersection(first):
                self._first_word(term_id, found, text, first)
            scan.first.append(first)
        return scan

    def _first_word(
        self, term_id: int, found: list[tuple[int, int]], text: str, first: dict[int, int]
    ) -> None:
        """A term with a Latin end counts only as a whole word: "AI" not inside "MAIL"."""
        left, right = self._bounds[term_id]
        length = self._lengths[term_id]
        for end, hit in found:
            if hit != term_id:
                continue
            start = end - length + 1
            if left and start > 0 and is_word_char(text[start - 1]):
                continue
            if right and end + 1 < len(text) and is_word_char(text[end + 1]):
                continue
            first[term_id] = end
            return
        del first[term_id]

    def evaluate(self, article: Article, *, source_id: str | None = None) -> Matches:
        """The rules that hold for ``article``, as rule indices; Match objects and their
        explanations are made only when read (see :class:`Matches`)."""
        scan = self._scan(article, source_id)
        tag_index = self._builder.topic_index
        tags = [tag_index[topic_id] for topic_id in scan.topics if topic_id in tag_index]
        held = self._index.holding(self._index.rows(scan.first, tags), source_id)
        trees = []
        rules = self._rules
        for index in self._trees.candidates(scan):
            rule = rules[index]
            assert rule is not None  # tree rules are compiled up front
            if rule.sources and source_id not in rule.sources:
                continue
            assert rule.node is not None
            if rule.node.test(scan):
                trees.append(index)
        return Matches(self, scan, held, trees)

    def match(self, article: Article, *, source_id: str | None = None) -> list[Match]:
        """One Match per rule that holds for ``article``, in rule order, each explained.

        A rule scoped to ``sources`` never matches when ``source_id`` is None.
        """
        return list(self.evaluate(article, source_id=source_id))

    def match_many(
        self, articles: Sequence[Article], *, source_id: str | None = None
    ) -> list[list[Match]]:
        """``match`` for each article, in order."""
        return [self.match(article, source_id=source_id) for article in articles]

    def _match_of(self, index: int, scan: Scan) -> Match:
        """The Match of rule ``index``, which holds for ``scan``, with its explanations."""
        rule = self._rules[index]
        if rule is None:
            # A keyword rule's first explanation: compile it now and keep it (a racing
            # thread compiles the same rule; the builder's tables only learn, never change).
            built = self._builder.compile(self._specs[index])
            assert built is not None  # rules that compile to nothing are not indexed
            rule = self._rules[index] = built[0]
        if rule.node is not None:
            return _explain_tree(rule, self._ids[index], scan)
        return Match(*self._ids[index], self._explain_clauses(rule, scan))

    def _explain_clauses(self, rule: Compiled, scan: Scan) -> tuple[Explanation, ...]:
        """Every key that hit, in the order the rule names them; one per term or topic."""
        keys, shared = scan.keys if scan.keys is not None else self._hit_keys(scan), scan.by_key
        if rule.simple:
            return tuple(
                shared.get(key) or self._shared(key, scan)
                for clause in rule.clauses
                for key in clause
                if key in keys
            )
        out = []
        seen: set[int] = set()
        for clause in rule.clauses:
            for key in clause:
                ident = key >> 2 if key >= 0 else key
                if key in keys and ident not in seen:
                    seen.add(ident)
                    out.append(self._explanation(key, rule, scan))
        return tuple(out)

    def _hit_keys(self, scan: Scan) -> set[int]:
        """Every clause key that hit (see _builder), made once per article when a clause
        rule is first explained: finding the rules that hold needs no Python set of them."""
        keys = scan.keys = set()
        for field, first in enumerate(scan.first):
            keys.update([term_id * 4 + field for term_id in first])
            keys.update([term_id * 4 + ANY_FIELD for term_id in first])
        tag_index = self._builder.topic_index
        keys.update(-(tag_index[t] + 1) for t in scan.topics if t in tag_index)
        return keys

    def _shared(self, key: int, scan: Scan) -> Explanation:
        """The Explanation of ``key`` with the term's first spelling, cached per article."""
        found = scan.by_key[key] = self._explanation(key, None, scan)
        return found

    def _explanation(self, key: int, rule: Compiled | None, scan: Scan) -> Explanation:
        if key < 0:
            index = -key - 1
            builder = self._builder
            return tag_explanation(builder.topic_names[index], scan, builder.topic_terms[index])
        term_id, field = key >> 2, key & 3
        if field == ANY_FIELD:  # the first field (headline, summary, body) it hit
            mask = scan.mask(term_id)
            field = (mask & -mask).bit_length() - 1
        display = rule.displays.get(term_id) if rule and rule.displays else None
        display = display or self._builder.displays[term_id]
        return term_explanation(scan, term_id, field, display)


class Matches(Sequence[Match]):
    """The rules that hold for one article, in rule order; each Match (with its explanations
    and snippets) is made when it is read, and explanations are shared across rules.

    Usage::

        found = matcher.evaluate(article, source_id="ywsb")
        len(found), found.rule_ids()     # no Match object made
        for match in found: ...          # made one by one
    """

    __slots__ = ("_held", "_matcher", "_ordered", "_scan", "_trees")

    def __init__(
        self, matcher: Matcher, scan: Scan, held: npt.NDArray[np.int32], trees: list[int]
    ) -> None:
        # Clause rules (sorted array) and tree rules (few): disjoint, merged when first read.
        self._matcher, self._scan, self._held, self._trees = matcher, scan, held, trees
        self._ordered: list[int] | None = None  # rule order, made when first read

    @property
    def _indices(self) -> list[int]:
        if self._ordered is None:
            ordered: list[int] = self._held.tolist()
            if self._trees:
                ordered = sorted(ordered + self._trees)
            self._ordered = ordered
        return self._ordered

    def __len__(self) -> int:
        return len(self._held) + len(self._trees)

    @overload
    def __getitem__(self, position: int) -> Match: ...

    @overload
    def __getitem__(self, position: slice) -> list[Match]: ...

    def __getitem__(self, position: int | slice) -> Match | list[Match]:
        if isinstance(position, slice):
            return [self._matcher._match_of(i, self._scan) for i in self._indices[position]]
        return self._matcher._match_of(self._indices[position], self._scan)

    def __iter__(self) -> Iterator[Match]:
        match_of, scan = self._matcher._match_of, self._scan
        return (match_of(index, scan) for index in self._indices)

    def rule_ids(self) -> list[tuple[str, str]]:
        """(subscriber id, rule id) of each rule that holds, in rule order, none explained."""
        ids = self._matcher._ids
        return [ids[index] for index in self._indices]


class _TreeIndex:
    """Tree-form rules (regexes, nested NOT/OR, ``source:``): candidates by their triggers
    (a term id or topic id they need), or tested for every article when they have none."""

    def __init__(self) -> None:
        self._triggered: dict[Trigger, list[int]] = {}
        self._always: list[int] = []
        self._term_postings: dict[int, tuple[int, ...]] = {}
        self._topic_postings: dict[str, tuple[int, ...]] = {}

    def add(self, index: int, triggers: AbstractSet[Trigger] | None) -> None:
        if triggers is None:
            self._always.append(index)
            return
        for trigger in triggers:
            self._triggered.setdefault(trigger, []).append(index)

    def freeze(self) -> None:
        triggered = self._triggered
        self._term_postings = {k: tuple(v) for k, v in triggered.items() if isinstance(k, int)}
        self._topic_postings = {k: tuple(v) for k, v in triggered.items() if isinstance(k, str)}
        self._triggered = {}

    def candidates(self, scan: Scan) -> set[int]:
        """Tree-form rules that may hold: posted under a hit term or a tag, or always tested."""
        candidates: set[int] = set(self._always)
        postings = self._term_postings
        if postings:
            for first in scan.first:
                for term_id in postings.keys() & first.keys():
                    candidates.update(postings[term_id])
        for topic_id in scan.topics:
            candidates.update(self._topic_postings.get(topic_id, ()))
        return candidates


def _explain_tree(rule: Compiled, ids: tuple[str, str], scan: Scan) -> Match:
    explanations: list[Explanation] = []
    assert rule.node is not None
    rule.node.explain(scan, explanations)
    if not explanations:  # e.g. "source:ywsb": everything from a source, no term
        explanations.append(Explanation(f"source:{scan.source_id}", "source", scan.headline))
    return Match(*ids, tuple(dict.fromkeys(explanations)))


def compile_matcher(rules: Sequence[RuleSpec], topics: Sequence[Topic] = ()) -> Matcher:
    """Compile ``rules`` once per config version; raises RuleSyntaxError on a bad query."""
    return Matcher(rules, topics)
