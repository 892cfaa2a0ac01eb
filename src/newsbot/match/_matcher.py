"""The compiled matcher: one Aho-Corasick automaton over every distinct folded term.

Usage::

    matcher = compile_matcher(rules, topics)       # once per config version
    for match in matcher.match(article, source_id="ywsb"):
        print(match.rule_id, [str(e) for e in match.explanations])
    found = matcher.evaluate(article)              # lazy: len(found), found.rule_ids()

How it stays fast with 100,000 rules: terms shared by many rules are stored once. One pass
of the automaton over the folded headline, summary and body gives the article's hit keys
(term × field, topic tags). Rules in clause form are then found with set operations over
posting tuples of integer rule ids (``_Index``): no Python code runs per rule. The few
rules in tree form (regexes, nested NOT/OR, ``source:``) are tested when one of their
trigger terms or tags hit, or always when they have none. Match objects, explanations and
snippets are made only for the matches that are read."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from operator import itemgetter
from typing import overload

import ahocorasick

from newsbot.match._ast import field_texts
from newsbot.match._builder import ANY_FIELD, Builder, Compiled, Trigger
from newsbot.match._nodes import Scan, tag_explanation, term_explanation
from newsbot.match._normalize import is_word_char, normalize
from newsbot.match._rules import RuleSpec
from newsbot.models import Article, Explanation, Match, Topic

__all__ = ["Matcher", "compile_matcher"]

_swap = itemgetter(1, 0)  # (end, term id) -> (term id, end), in C


class Matcher:
    """Rules compiled once; ``match`` is pure and safe to call from several threads."""

    def __init__(self, rules: Sequence[RuleSpec], topics: Sequence[Topic] = ()) -> None:
        # Compiling makes millions of acyclic objects (keys, postings, compiled rules): the
        # cyclic collector would walk them over and over (a fifth of the compile time).
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._compile(rules, topics)
        finally:
            if was_enabled:
                gc.enable()

    def _compile(self, rules: Sequence[RuleSpec], topics: Sequence[Topic]) -> None:
        builder = Builder(topics)
        self._rules: list[Compiled] = []
        self._ids: list[tuple[str, str]] = []  # (subscriber id, rule id) by rule index
        self._index = _Index()
        for spec in rules:
            built = builder.compile(spec)
            if built is None:
                continue  # an empty rule matches nothing (validate_rule reports it)
            self._rules.append(built[0])
            self._ids.append((spec.subscriber_id, spec.id))
            self._index.add(len(self._rules) - 1, *built)
        self._builder = builder
        self._index.freeze()
        # The fields of the term keys posted (most configs scope no rule to the summary or
        # the body alone): the scan makes no key that no rule could read.
        self._keyed_fields = frozenset(key & 3 for key in builder.shared_keys if key >= 0)
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
        automaton, keys = self._automaton, scan.keys
        for index, text in enumerate(scan.folded):
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
            for field in (index, ANY_FIELD):
                if field in self._keyed_fields:  # only keys that some rule posts
                    keys.update([term_id * 4 + field for term_id in first])
        for topic_id in scan.topics:
            if topic_id in self._builder.topic_index:
                keys.add(-(self._builder.topic_index[topic_id] + 1))
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
        found = self._index.clause_rules(scan.keys, source_id)
        rules = self._rules
        for index in self._index.tree_candidates(scan):
            rule = rules[index]
            if rule.sources and source_id not in rule.sources:
                continue
            assert rule.node is not None
            if rule.node.test(scan):
                found.add(index)
        return Matches(self, scan, found)

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
        if rule.node is not None:
            return _explain_tree(rule, self._ids[index], scan)
        return Match(*self._ids[index], self._explain_clauses(rule, scan))

    def _explain_clauses(self, rule: Compiled, scan: Scan) -> tuple[Explanation, ...]:
        """Every key that hit, in the order the rule names them; one per term or topic."""
        keys, shared = scan.keys, scan.by_key
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

    __slots__ = ("_found", "_matcher", "_ordered", "_scan")

    def __init__(self, matcher: Matcher, scan: Scan, found: set[int]) -> None:
        self._matcher, self._scan, self._found = matcher, scan, found
        self._ordered: list[int] | None = None  # rule order, sorted when first read

    @property
    def _indices(self) -> list[int]:
        if self._ordered is None:
            self._ordered = sorted(self._found)
        return self._ordered

    def __len__(self) -> int:
        return len(self._found)

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


class _Index:
    """Which rules hold, found with C-level set operations over integer rule indices.

    Clause-form rules (a conjunction of "any of these keys" clauses, minus "none of these"):
    for rules of n clauses, ``slots[n][j]`` maps a key to the rules whose clause j holds it.
    For an article, clause j holds for the union of the postings of the keys it hit, and a
    rule of n clauses holds when it is in all n unions; rules excluding a hit key and rules
    scoped to other sources are then taken away. Tree-form rules (regexes, nested NOT/OR,
    ``source:``) are candidates by their triggers and test themselves.
    """

    def __init__(self) -> None:
        self._slots: dict[int, list[defaultdict[int, list[int]]]] = {}
        self._excluded: defaultdict[int, list[int]] = defaultdict(list)
        self._sourced: dict[int, tuple[str, ...]] = {}
        self._triggered: dict[Trigger, list[int]] = {}
        self._always: list[int] = []
        self._by_source: dict[str | None, frozenset[int]] = {}
        self._frozen_slots: list[list[dict[int, tuple[int, ...]]]] = []
        self._frozen_excluded: dict[int, tuple[int, ...]] = {}
        self._term_postings: dict[int, tuple[int, ...]] = {}
        self._topic_postings: dict[str, tuple[int, ...]] = {}

    def add(self, index: int, compiled: Compiled, triggers: AbstractSet[Trigger] | None) -> None:
        """Index rule ``index``: by its clauses, or (a tree) by its triggers, or always."""
        if compiled.node is not None:
            for trigger in triggers if triggers is not None else ():
                self._triggered.setdefault(trigger, []).append(index)
            if triggers is None:
                self._always.append(index)
            return
        clauses = compiled.clauses
        slots = self._slots.get(len(clauses))
        if slots is None:
            slots = self._slots[len(clauses)] = [defaultdict(list) for _ in clauses]
        if len(clauses) == 1:  # most rules: one "any of" clause
            slot = slots[0]
            for key in clauses[0]:
                slot[key].append(index)
        else:  # fewest keys first: "all of" terms are one key each, the first union is small
            for slot, clause in zip(slots, sorted(clauses, key=len), strict=True):
                for key in clause:
                    slot[key].append(index)
        excluded = self._excluded
        for key in compiled.excluded:
            excluded[key].append(index)
        if compiled.sources:
            self._sourced[index] = compiled.sources

    def freeze(self) -> None:
        """Postings become tuples (of shared ints: the collector stops tracking them)."""
        self._frozen_slots = [
            [{key: tuple(posted) for key, posted in slot.items()} for slot in slots]
            for _, slots in sorted(self._slots.items())
        ]
        self._frozen_excluded = {key: tuple(posted) for key, posted in self._excluded.items()}
        triggered = self._triggered
        self._term_postings = {k: tuple(v) for k, v in triggered.items() if isinstance(k, int)}
        self._topic_postings = {k: tuple(v) for k, v in triggered.items() if isinstance(k, str)}
        self._slots, self._excluded, self._triggered = {}, defaultdict(list), {}

    def _outside(self, source_id: str | None) -> frozenset[int]:
        """Clause rules scoped to sources other than ``source_id`` (cached per source)."""
        found = self._by_source.get(source_id)
        if found is None:
            found = frozenset(i for i, s in self._sourced.items() if source_id not in s)
            self._by_source[source_id] = found
        return found

    def clause_rules(self, keys: set[int], source_id: str | None) -> set[int]:
        """Indices of the clause-form rules that hold for an article with these hit keys."""
        found: set[int] = set()
        for slots in self._frozen_slots:
            first, *others = slots
            hit = first.keys() & keys
            if not hit:
                continue
            if not others:  # one clause: any hit key is the match itself
                found.update(*map(first.__getitem__, hit))
                continue
            holding = set().union(*map(first.__getitem__, hit))
            for slot in others:  # the fewest keys first (see add): unions stay small
                hit = slot.keys() & keys
                if not hit:
                    break
                holding.intersection_update(set().union(*map(slot.__getitem__, hit)))
                if not holding:
                    break
            else:
                found |= holding
        if found:
            excluded = self._frozen_excluded
            hit = excluded.keys() & keys
            if hit:
                found.difference_update(*map(excluded.__getitem__, hit))
            if self._sourced:
                found -= self._outside(source_id)
        return found

    def tree_candidates(self, scan: Scan) -> set[int]:
        """Tree-form rules that may hold: posted under a hit term or a tag, or always tested."""
        candidates: set[int] = set(self._always)
        postings = self._term_postings
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
