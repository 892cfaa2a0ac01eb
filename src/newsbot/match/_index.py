"""Which rules hold for one article, from its hit keys: postings as numpy arrays.

Usage::

    index = ClauseIndex()
    index.add(rule_index, compiled)               # a clause-form rule, in rule order, or
    index.add_keywords(rule_index, spec, field)   # a keyword rule, not compiled
    index.freeze(builder, rule_count)
    held = index.holding(index.rows(term_ids_by_field, tag_indices), source_id)  # sorted

A rule in clause form (see _builder) is a conjunction of up to MAX_CLAUSES "any of these
keys" clauses and one "none of these keys" exclusion. A posting is one int32,
``rule index << 5 | clause number`` (31 for the exclusion): the rule and the clause are
read from it with a shift and a mask, no lookup table. All postings are one array sorted
by key and sliced by an offsets array (CSR). For an article:

1. the postings of its hit keys are gathered into one array (a few thousand ints);
2. sorted, each (rule, clause) kept once: a rule's clauses that hold are now adjacent;
3. a rule holds when its run is as long as its number of clauses and does not end with
   the exclusion (the largest clause number).

All of it is a dozen numpy calls per article whatever the number of matches: before, a
Python set received every matching rule id, and the set work grew with the matches (see
docs/benchmarks.md, "Matching").
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import numpy.typing as npt

from newsbot.match._builder import ANY_FIELD, MAX_CLAUSES, Builder, Compiled
from newsbot.match._rules import RuleSpec

__all__ = ["ClauseIndex"]

IntArray = npt.NDArray[np.int32]
RowArray = npt.NDArray[np.int64]
_CLAUSE_BITS = 5  # clause numbers 0..MAX_CLAUSES - 1, and _EXCLUSION
_EXCLUSION = (1 << _CLAUSE_BITS) - 1
assert MAX_CLAUSES <= _EXCLUSION
_NOTHING: IntArray = np.empty(0, np.int32)


class ClauseIndex:
    """Clause-form rules by clause ids; ``holding`` finds those that hold, in rule order."""

    def __init__(self) -> None:
        # While compiling: plain lists, appended to by C-level extend (a million postings
        # for 100,000 rules); sorted into arrays once by freeze().
        self._keys: list[int] = []  # posted key, one per posting ...
        self._posted: list[int] = []  # ... and the posting (rule << 5 | clause number)
        # Keyword rules post texts, made keys by freeze() in bulk (see add_keywords).
        self._texts: list[str] = []
        self._text_posted: list[int] = []
        self._text_field: list[int] = []
        self._need: dict[int, int] = {}  # rule index -> number of clauses (exclusion aside)
        self._sourced: dict[int, tuple[str, ...]] = {}
        self._by_source: dict[str | None, npt.NDArray[np.bool_]] = {}
        self._term_rows = 0
        self._keyed_fields: frozenset[int] = frozenset()  # fields (and ANY_FIELD) of posted keys
        self._offsets: IntArray = np.zeros(1, np.int32)  # by row: where its postings start
        self._lengths: IntArray = _NOTHING  # by row: how many postings
        self._postings: IntArray = _NOTHING
        self._need_of: npt.NDArray[np.uint8] = np.zeros(0, np.uint8)

    def add(self, index: int, compiled: Compiled) -> None:
        """Post rule ``index`` (clause form) under each key of its clauses."""
        keys, posted = self._keys, self._posted
        base = index << _CLAUSE_BITS
        for number, keys_of_clause in enumerate(compiled.clauses):
            keys.extend(keys_of_clause)
            posted.extend([base | number] * len(keys_of_clause))
        if compiled.excluded:
            keys.extend(compiled.excluded)
            posted.extend([base | _EXCLUSION] * len(compiled.excluded))
        self._need[index] = len(compiled.clauses)
        if compiled.sources:
            self._sourced[index] = compiled.sources

    def add_keywords(self, index: int, spec: RuleSpec, field: int) -> None:
        """Post keyword rule ``index`` (any/all/none, no query or topics, each term one key
        in ``field``: 0-2, or ANY_FIELD) by its texts: no Compiled rule and no key lookup
        per term here, freeze() makes keys of all the texts at once. 92% of the benchmark's
        rules take this path; it halved their compile time."""
        texts, posted = self._texts, self._text_posted
        base = index << _CLAUSE_BITS
        count = 0
        if spec.any:  # one clause: any of these
            texts.extend(spec.any)
            posted.extend([base] * len(spec.any))
            count = 1
        if spec.all:  # one clause per term
            texts.extend(spec.all)
            posted.extend(range(base + count, base + count + len(spec.all)))
            count += len(spec.all)
        if spec.none:
            texts.extend(spec.none)
            posted.extend([base | _EXCLUSION] * len(spec.none))
        self._text_field.extend([field] * (len(texts) - len(self._text_field)))
        self._need[index] = count
        if spec.sources:
            self._sourced[index] = spec.sources

    def freeze(self, builder: Builder, rule_count: int) -> None:
        """Sort the postings by key into one array (CSR): one argsort, not a list per key.

        Row of a key: ``key`` for a term key (``term_id * 4 + field``), and
        ``term_count * 4 + tag index`` for a topic tag (key ``-(tag index + 1)``).
        """
        if rule_count >= 1 << (31 - _CLAUSE_BITS):
            raise ValueError(f"{rule_count} rules: more than one matcher can index")
        keys = np.array(self._keys, np.int64)
        posted = np.array(self._posted, np.int32)
        if self._texts:
            term_ids = builder.term_ids_of(self._texts)  # -1: folds to nothing, never hits
            kept = term_ids >= 0
            text_keys = term_ids * 4 + np.array(self._text_field, np.int64)
            keys = np.concatenate((keys, text_keys[kept]))
            posted = np.concatenate((posted, np.array(self._text_posted, np.int32)[kept]))
        self._term_rows = len(builder.terms) * 4
        rows = np.where(keys >= 0, keys, self._term_rows - keys - 1)
        # Most configs scope no rule to the summary or the body alone: no key is made for them.
        self._keyed_fields = frozenset((keys[keys >= 0] & 3).tolist())
        order = np.argsort(rows, kind="stable")
        # A row for every term key and every tag, posted or not: the rows of an article
        # need no bounds check.
        counts = np.bincount(rows, minlength=self._term_rows + len(builder.topic_names))
        self._offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int32)
        self._lengths = counts.astype(np.int32)
        self._postings = posted[order]
        need = np.zeros(rule_count, np.uint8)
        if self._need:
            need[np.fromiter(self._need.keys(), np.int64, len(self._need))] = np.fromiter(
                self._need.values(), np.uint8, len(self._need)
            )
        self._need_of = need
        self._keys, self._posted, self._need = [], [], {}
        self._texts, self._text_posted, self._text_field = [], [], []

    def rows(self, term_ids: Sequence[Collection[int]], tags: Sequence[int]) -> RowArray:
        """Rows of the hit keys of an article: ``term_ids[field]`` are the terms found in
        each field (0 headline, 1 summary, 2 body), ``tags`` its topic tags' indices."""
        keyed = self._keyed_fields
        parts = [
            np.fromiter(found, np.int64, len(found)) * 4 + field
            for field, found in enumerate(term_ids)
            if found and field in keyed  # only fields some rule is scoped to
        ]
        if ANY_FIELD in keyed:  # a term found in several fields is one "any field" key
            found = set().union(*term_ids)
            parts.append(np.fromiter(found, np.int64, len(found)) * 4 + ANY_FIELD)
        if tags:
            parts.append(np.array([self._term_rows + tag for tag in tags], np.int64))
        if not parts:
            return np.empty(0, np.int64)
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def holding(self, rows: RowArray, source_id: str | None) -> IntArray:
        """Indices of the clause-form rules that hold, sorted, for the hit keys' ``rows``."""
        if not len(rows):
            return _NOTHING
        starts, lengths = self._offsets[rows], self._lengths[rows]
        total = int(lengths.sum())
        if not total:
            return _NOTHING
        # The concatenation of postings[starts[i]:ends[i]] without a Python loop: each
        # position is its row's start plus its place inside the row.
        shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        posted = np.sort(self._postings[shift + np.arange(total, dtype=np.int32)])
        # Each (rule, clause) once (np.unique does this sort too, but costs 30 times more).
        first = np.empty(total, np.bool_)
        first[0] = True
        np.not_equal(posted[1:], posted[:-1], out=first[1:])
        posted = posted[first]
        rules = posted >> _CLAUSE_BITS
        first = first[: len(rules)]  # now: where the run of one rule starts
        np.not_equal(rules[1:], rules[:-1], out=first[1:])
        runs = np.flatnonzero(first)
        ends = np.empty_like(runs)  # where each run ends (np.diff's append= costs more)
        ends[:-1] = runs[1:]
        ends[-1] = len(rules)
        excluded = (posted[ends - 1] & _EXCLUSION) == _EXCLUSION
        candidates = rules[runs]
        held: IntArray = candidates[(ends - runs == self._need_of[candidates]) & ~excluded]
        if self._sourced and len(held):
            held = held[~self._outside(source_id)[held]]
        return held

    def _outside(self, source_id: str | None) -> npt.NDArray[np.bool_]:
        """Clause rules scoped to sources other than ``source_id``, by rule index (cached)."""
        found = self._by_source.get(source_id)
        if found is None:
            found = np.zeros(len(self._need_of), np.bool_)
            for index, sources in self._sourced.items():
                found[index] = source_id not in sources
            self._by_source[source_id] = found
        return found
