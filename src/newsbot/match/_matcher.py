"""The compiled matcher: one Aho-Corasick automaton over every distinct folded term.

Usage::

    matcher = compile_matcher(rules, topics)       # once per config version
    for match in matcher.match(article, source_id="ywsb"):
        print(match.rule_id, [str(e) for e in match.explanations])

How it stays fast with 100,000 rules: terms shared by many rules are stored once; a
posting list maps each term to the rules that can only hold when some term hits. One pass
of the automaton over the folded headline, summary and body finds the hit terms; only the
rules posted under them (plus rules indexed by the article's topics, plus the few rules
that can hold without any literal hit — regex-only rules, for instance) are evaluated, most
of them with C-level set operations (see ``_builder``).
"""

from __future__ import annotations

from collections.abc import Sequence

import ahocorasick

from newsbot.match._ast import field_texts
from newsbot.match._builder import ANY_FIELD, Builder, Compiled, Trigger
from newsbot.match._nodes import Scan, tag_explanation, term_explanation
from newsbot.match._normalize import is_word_char, normalize
from newsbot.match._rules import RuleSpec
from newsbot.models import Article, Explanation, Match, Topic

__all__ = ["Matcher", "compile_matcher"]


class Matcher:
    """Rules compiled once; ``match`` is pure and safe to call from several threads."""

    def __init__(self, rules: Sequence[RuleSpec], topics: Sequence[Topic] = ()) -> None:
        builder = Builder(topics)
        self._rules: list[Compiled] = []
        postings: dict[Trigger, list[int]] = {}
        self._always: list[int] = []
        direct: dict[int, list[int]] = {}
        self._restricted: set[int] = set()  # direct rules with sources or exclusions
        self._ids: list[tuple[str, str]] = []  # (subscriber id, rule id) by rule index
        for spec in rules:
            built = builder.compile(spec)
            if built is None:
                continue  # an empty rule matches nothing (validate_rule reports it)
            self._rules.append(built[0])
            self._ids.append((spec.subscriber_id, spec.id))
            self._post(len(self._rules) - 1, *built, postings, direct)
        self._builder = builder
        # Postings become tuples (of ints: the collector stops tracking them) and terms
        # without postings share one empty tuple: 100,000 rules stay cheap to collect.
        none: tuple[int, ...] = ()
        self._term_postings = [tuple(postings.get(i, none)) for i in range(len(builder.terms))]
        self._direct = {key: tuple(posted) for key, posted in direct.items()}
        self._topic_postings = {k: v for k, v in postings.items() if isinstance(k, str)}
        self._bounds = [(is_word_char(t[0]), is_word_char(t[-1])) for t in builder.terms]
        self._automaton = ahocorasick.Automaton() if builder.terms else None
        if self._automaton is not None:
            for term_id, term in enumerate(builder.terms):
                self._automaton.add_word(term, (term_id, len(term)))
            self._automaton.make_automaton()

    def _post(
        self,
        index: int,
        compiled: Compiled,
        triggers: set[Trigger] | None,
        postings: dict[Trigger, list[int]],
        direct: dict[int, list[int]],
    ) -> None:
        """Index rule ``index``: directly under its keys, under its triggers, or always."""
        if compiled.node is None and compiled.simple and len(compiled.clauses) == 1:
            # "Any of these" (with exclusions): a hit on any key is the match itself.
            for key in compiled.clauses[0]:
                direct.setdefault(key, []).append(index)
            if compiled.sources or compiled.excluded:
                self._restricted.add(index)
        elif triggers is None:
            self._always.append(index)
        else:
            for trigger in triggers:
                postings.setdefault(trigger, []).append(index)

    @property
    def rule_count(self) -> int:
        """Number of (non-empty) rules compiled."""
        return len(self._rules)

    @property
    def term_count(self) -> int:
        """Number of distinct folded terms in the automaton."""
        return len(self._builder.terms)

    def _scan(self, article: Article, source_id: str | None) -> Scan:
        texts = field_texts(article)
        scan = Scan(texts, tuple(normalize(t) for t in texts), article, source_id)
        automaton, bounds, keys = self._automaton, self._bounds, scan.keys
        for index, text in enumerate(scan.folded):
            if automaton is None or not text:
                continue
            bit = 1 << index
            for end, (term_id, length) in automaton.iter(text):
                if scan.masks.get(term_id, 0) & bit:
                    continue  # first occurrence per field is enough
                start = end - length + 1
                left, right = bounds[term_id]
                if left and start > 0 and is_word_char(text[start - 1]):
                    continue  # "AI" must not hit inside "MAIL"
                if right and end + 1 < len(text) and is_word_char(text[end + 1]):
                    continue
                scan.masks[term_id] = scan.masks.get(term_id, 0) | bit
                scan.hits.setdefault(term_id, []).append((index, start, end + 1))
                keys.add(term_id * 4 + index)
                keys.add(term_id * 4 + ANY_FIELD)
        for topic_id in scan.topics:
            if topic_id in self._builder.topic_index:
                keys.add(-(self._builder.topic_index[topic_id] + 1))
        return scan

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
        found: dict[int, Match] = {}
        self._direct_matches(scan, found)
        self._candidate_matches(scan, found)
        return [found[index] for index in sorted(found)]

    def _direct_matches(self, scan: Scan, found: dict[int, Match]) -> None:
        """One-clause rules: walk the postings of the keys that hit; no test needed.

        This is the hot loop (one pass per posting of a hit key), so it does as little as
        possible per rule: most rules are hit by one key and share its explanation tuple.
        """
        direct, restricted = self._direct, self._restricted
        ids = self._ids
        several: list[int] = []
        for key in scan.keys:
            posted = direct.get(key)
            if posted is None:
                continue
            explained = self._explain_one(key, scan)
            for index in posted:
                if index in found:
                    several.append(index)  # hit by more than one key: explained below
                elif index not in restricted or self._allowed(index, scan):
                    subscriber_id, rule_id = ids[index]
                    found[index] = Match(subscriber_id, rule_id, explained)
        for index in several:
            clause = self._rules[index].clauses[0]
            hit = [k for k in clause if k in scan.keys]
            found[index] = Match(*ids[index], self._explain_ordered(clause, hit, scan))

    def _allowed(self, index: int, scan: Scan) -> bool:
        """A direct rule's source scope and exclusions allow this article."""
        rule = self._rules[index]
        if rule.sources and scan.source_id not in rule.sources:
            return False
        return not rule.excluded or scan.keys.isdisjoint(rule.excluded)

    def _candidate_matches(self, scan: Scan, found: dict[int, Match]) -> None:
        """Other rules: those posted under a trigger that is present are tested one by one."""
        keys, rules, source_id = scan.keys, self._rules, scan.source_id
        for index in self._candidates(scan):
            rule = rules[index]
            if rule.sources and source_id not in rule.sources:
                continue
            if rule.node is not None:
                if rule.node.test(scan):
                    found[index] = _explain_tree(rule, self._ids[index], scan)
                continue
            if rule.excluded and not keys.isdisjoint(rule.excluded):
                continue
            if all(not keys.isdisjoint(c) for c in rule.clauses):
                explained = self._explain_clauses(rule, scan)
                found[index] = Match(*self._ids[index], explained)

    def _explain_one(self, key: int, scan: Scan) -> tuple[Explanation, ...]:
        """The explanation of a single hit key, as a tuple shared by every rule it serves."""
        single = scan.single.get(key)
        if single is None:
            single = scan.single[key] = (scan.by_key.get(key) or self._shared(key, scan),)
        return single

    def _explain_ordered(
        self, clause: tuple[int, ...], hit: list[int], scan: Scan
    ) -> tuple[Explanation, ...]:
        """Explanations of several hit keys, in the order the rule names them."""
        shared = scan.by_key
        return tuple(shared.get(k) or self._shared(k, scan) for k in clause if k in hit)

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
            return tag_explanation(self._builder.topic_names[-key - 1], scan)
        term_id, field = key >> 2, key & 3
        if field == ANY_FIELD:  # the first field (headline, summary, body) it hit
            mask = scan.masks[term_id]
            field = (mask & -mask).bit_length() - 1
        display = rule.displays.get(term_id) if rule and rule.displays else None
        display = display or self._builder.displays[term_id]
        return term_explanation(scan, term_id, field, display)

    def match_many(
        self, articles: Sequence[Article], *, source_id: str | None = None
    ) -> list[list[Match]]:
        """``match`` for each article, in order."""
        return [self.match(article, source_id=source_id) for article in articles]


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
