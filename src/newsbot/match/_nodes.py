"""Compiled rule nodes: each tests itself against one scanned article and explains a hit.

Usage::

    compiled, _ = Builder(topics).compile(spec)   # compile_matcher does this
    node = compiled.node                          # None for rules in clause form
    if node.test(scan): node.explain(scan, out)

``Scan`` is what the matcher learns about one article in one pass: which terms hit in which
field (first occurrence), its topics and source. Nodes never scan text themselves except
guarded regular expressions, which run only for rules that are candidates.
"""

from __future__ import annotations

import re

from newsbot.match._ast import FIELDS, TOPIC_TERM_FIELDS
from newsbot.match._guard import search_chunks
from newsbot.models import Article, Explanation

SNIPPET_CONTEXT_CHARS = 20


def field_mask(fields: tuple[str, ...]) -> int:
    """Bit mask of ``fields`` (headline=1, summary=2, body=4)."""
    return sum(1 << FIELDS.index(f) for f in set(fields) if f in FIELDS)


def snippet(text: str, start: int, end: int) -> str:
    """The hit with some context on each side, whitespace collapsed, cut marks as "…"."""
    left = max(0, start - SNIPPET_CONTEXT_CHARS)
    right = min(len(text), end + SNIPPET_CONTEXT_CHARS)
    core = " ".join(text[left:right].split())  # collapse whitespace runs (C-level, no regex)
    return ("…" if left else "") + core + ("…" if right < len(text) else "")


class Scan:
    """One article as the nodes see it: what hit where, its topics and source.

    ``first[field]`` maps each term id found in that field to the end (inclusive) of its
    first occurrence; ``lengths[term_id]`` is the term's length; ``keys`` holds the clause
    keys (see _builder) of every hit, made only when a clause rule is explained.
    """

    __slots__ = (
        "by_key",
        "explained",
        "first",
        "folded",
        "headline",
        "keys",
        "lengths",
        "regex_cache",
        "source_id",
        "texts",
        "topics",
    )

    def __init__(
        self,
        texts: tuple[str, ...],
        folded: tuple[str, ...],
        article: Article,
        source_id: str | None,
        lengths: list[int],
    ) -> None:
        self.texts, self.folded, self.source_id = texts, folded, source_id
        self.headline = article.headline
        self.topics = frozenset(article.topics)
        self.lengths = lengths
        self.first: list[dict[int, int]] = []
        self.keys: set[int] | None = None
        self.regex_cache: dict[tuple[int, int], tuple[int, int] | None] = {}
        # Many rules share a term: its Explanation (and snippet) is built once per article.
        self.explained: dict[tuple[int, int, str], Explanation] = {}
        self.by_key: dict[int, Explanation] = {}

    def mask(self, term_id: int) -> int:
        """The fields ``term_id`` hit, as bits (headline=1, summary=2, body=4)."""
        mask = 0
        for index, first in enumerate(self.first):
            if term_id in first:
                mask |= 1 << index
        return mask


# A catalog term of a topic: (term id, spelling as the catalog writes it).
CatalogTerm = tuple[int, str]


def tag_explanation(name: str, scan: Scan, terms: tuple[CatalogTerm, ...] = ()) -> Explanation:
    """Why a topic tag matched: the catalog term that shows it and where.

    ``matched topic 科技创新 via 科技 in headline``: the earliest (then longest) of the
    topic's ``terms`` in the headline, else in the summary, the fields where extraction
    looks for it. An article tagged under an older catalog may show none of them: then the
    topic's name, in "topics", with the headline.
    """
    for field in range(len(TOPIC_TERM_FIELDS)):
        first, lengths = scan.first[field], scan.lengths
        hits = [
            (first[term_id] + 1 - lengths[term_id], -lengths[term_id], spelling)
            for term_id, spelling in terms
            if term_id in first
        ]
        if hits:
            start, minus_length, spelling = min(hits)
            text = scan.texts[field]
            found = snippet(text, start, start - minus_length)
            return Explanation(f"topic {name} via {spelling}", FIELDS[field], found)
    return Explanation(name, "topics", snippet(scan.headline, 0, 0))


def term_explanation(scan: Scan, term_id: int, field: int, display: str) -> Explanation:
    """Why a term matched: ``display`` and its first hit in field number ``field``.

    Built once per article and (term, field, spelling), whichever rules ask for it.
    """
    key = (term_id, field, display)
    found = scan.explained.get(key)
    if found is None:
        end = scan.first[field][term_id] + 1
        start = end - scan.lengths[term_id]
        text = scan.texts[field]
        found = scan.explained[key] = Explanation(display, FIELDS[field], snippet(text, start, end))
    return found


class CTerm:
    """A literal term, found by the automaton; ``term_id`` indexes the matcher's term table."""

    __slots__ = ("display", "mask", "term_id")

    def __init__(self, term_id: int, mask: int, display: str) -> None:
        self.term_id, self.mask, self.display = term_id, mask, display

    def test(self, scan: Scan) -> bool:
        return bool(scan.mask(self.term_id) & self.mask)

    def explain(self, scan: Scan, out: list[Explanation]) -> None:
        scoped = scan.mask(self.term_id) & self.mask
        if scoped:  # explained in the first field of its scope that it hit
            field = (scoped & -scoped).bit_length() - 1
            out.append(term_explanation(scan, self.term_id, field, self.display))


class CPattern:
    """A guarded regular expression, searched in the folded fields of its scope."""

    __slots__ = ("compiled", "display", "mask")

    def __init__(self, compiled: re.Pattern[str], mask: int, display: str) -> None:
        self.compiled, self.mask, self.display = compiled, mask, display

    def _find(self, scan: Scan, index: int) -> tuple[int, int] | None:
        key = (id(self.compiled), index)
        if key not in scan.regex_cache:
            scan.regex_cache[key] = search_chunks(self.compiled, scan.folded[index])
        return scan.regex_cache[key]

    def test(self, scan: Scan) -> bool:
        return any(
            self.mask & (1 << i) and self._find(scan, i) is not None for i in range(len(FIELDS))
        )

    def explain(self, scan: Scan, out: list[Explanation]) -> None:
        for index in range(len(FIELDS)):
            found = self.mask & (1 << index) and self._find(scan, index)
            if found:
                text = scan.texts[index]
                out.append(Explanation(self.display, FIELDS[index], snippet(text, *found)))
                return


class CTag:
    """The article carries topic ``topic_id`` (assigned by extraction)."""

    __slots__ = ("name", "terms", "topic_id")

    def __init__(self, topic_id: str, name: str, terms: tuple[CatalogTerm, ...] = ()) -> None:
        self.topic_id, self.name, self.terms = topic_id, name, terms

    def test(self, scan: Scan) -> bool:
        return self.topic_id in scan.topics

    def explain(self, scan: Scan, out: list[Explanation]) -> None:
        out.append(tag_explanation(self.name, scan, self.terms))


class CSource:
    """The article comes from source ``source_id``."""

    __slots__ = ("source_id",)

    def __init__(self, source_id: str) -> None:
        self.source_id = source_id

    def test(self, scan: Scan) -> bool:
        return scan.source_id == self.source_id

    def explain(self, scan: Scan, out: list[Explanation]) -> None:
        """A source is a scope, not a reason: nothing to show."""


class _Group:
    """A node over several children (``CAnd``, ``COr``)."""

    __slots__ = ("items",)

    def __init__(self, items: tuple[CNode, ...]) -> None:
        self.items = items


class CAnd(_Group):
    """All children; explains with every child."""

    __slots__ = ()

    def test(self, scan: Scan) -> bool:
        return all(item.test(scan) for item in self.items)

    def explain(self, scan: Scan, out: list[Explanation]) -> None:
        for item in self.items:
            item.explain(scan, out)


class COr(_Group):
    """Any child; explains with every child that holds (all the terms that hit)."""

    __slots__ = ()

    def test(self, scan: Scan) -> bool:
        return any(item.test(scan) for item in self.items)

    def explain(self, scan: Scan, out: list[Explanation]) -> None:
        for item in self.items:
            if item.test(scan):
                item.explain(scan, out)


class CNot:
    """Not the child; an absence explains nothing."""

    __slots__ = ("item",)

    def __init__(self, item: CNode) -> None:
        self.item = item

    def test(self, scan: Scan) -> bool:
        return not self.item.test(scan)

    def explain(self, scan: Scan, out: list[Explanation]) -> None:
        """Nothing to show for what is absent."""


CNode = CTerm | CPattern | CTag | CSource | CAnd | COr | CNot
