"""Compiling rule trees: interned terms, clause form for common shapes, trees for the rest.

Usage::

    builder = Builder(topics)
    compiled, triggers = builder.compile(spec)   # None for an empty rule

Most rules are a conjunction of "any of these terms/topics" clauses and one "none of these"
clause (any/all/none/topics keywords, and queries such as ``(a OR b) (c OR d) NOT e``).
Those compile to tuples of integer keys (at most MAX_CLAUSES clauses), found with array
operations over postings (``_index.ClauseIndex``); a key is ``term_id * 4 + field``
(field 3 = any field) or, for a topic tag, a negative number. Every other rule (regexes,
sources in the query, nested NOT/OR, more clauses) compiles to a tree of nodes (``_nodes``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from itertools import chain
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

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
)
from newsbot.match._guard import compile_guarded, fold_pattern
from newsbot.match._nodes import (
    CAnd,
    CatalogTerm,
    CNode,
    CNot,
    COr,
    CPattern,
    CSource,
    CTag,
    CTerm,
    field_mask,
)
from newsbot.match._normalize import normalize
from newsbot.match._rules import RuleSpec, rule_expression
from newsbot.models import Topic

ALL_FIELDS = field_mask(FIELDS)
TOPIC_TERM_MASK = field_mask(TOPIC_TERM_FIELDS)
ANY_FIELD = 3  # the field part of a key that holds whichever field the term hit
# A trigger is a term id (int) or a topic id (str) whose presence a rule needs.
Trigger = int | str
NO_TRIGGERS: frozenset[Trigger] = frozenset()  # a clause rule: indexed by its keys instead
_ONE_KEY_MASKS = frozenset({1, 2, 4, ALL_FIELDS})  # scopes where a term is one clause key
_KEY_FIELD = {1: 0, 2: 1, 4: 2, ALL_FIELDS: ANY_FIELD}  # the field of that key, by scope
# Clauses of a rule in clause form: the index packs the clause number in 5 bits (see
# _index). A rule of more ("all" of 40 terms) is compiled as a tree, which is as correct.
MAX_CLAUSES = 30


class Compiled(NamedTuple):
    """One rule, ready to test: clause form (``clauses``/``excluded``) or a ``node`` tree."""

    sources: tuple[str, ...]  # few per rule: a tuple is smaller than a set and as fast
    clauses: tuple[tuple[int, ...], ...] = ()
    excluded: tuple[int, ...] = ()
    # Spellings of this rule that differ from the first one seen for the same folded term.
    displays: dict[int, str] | None = None
    node: CNode | None = None
    # True when each key of the clauses names a different term or topic and no spelling
    # differs: explanations are then one per hit key, shared across rules (the fast path).
    simple: bool = False


class Builder:
    """Interns terms and topics across all rules and compiles each rule."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.topics = {t.id: t for t in topics}
        self.term_ids: dict[str, int] = {}
        self.terms: list[str] = []
        self.displays: list[str] = []
        self.topic_index: dict[str, int] = {}
        self.topic_names: list[str] = []
        self.topic_ids: list[str] = []
        self.topic_terms: list[tuple[CatalogTerm, ...]] = []  # by tag index
        self.shared_keys: dict[int, int] = {}  # one int object per clause key, shared by rules
        self._masks: dict[tuple[str, ...], int] = {}  # field mask by a rule's fields
        # mask -> text -> clause keys, keyed by the text alone (its hash is cached): a million
        # lookups for 100,000 rules; and mask -> text -> term id for the (rare) spellings
        # that differ from the first one seen for the same folded term.
        self.keys_of: dict[int, dict[str, tuple[int, ...]]] = {}
        self.differs: dict[int, dict[str, int]] = {}

    def term_id(self, text: str) -> int | None:
        """Id of the folded term (interned), or None when it folds to nothing."""
        folded = normalize(text).strip()
        if not folded:
            return None
        term_id = self.term_ids.setdefault(folded, len(self.terms))
        if term_id == len(self.terms):
            self.terms.append(folded)
            self.displays.append(text.strip())
        return term_id

    def term_ids_of(self, texts: list[str]) -> npt.NDArray[np.int64]:
        """The term id of each text (interned), -1 where it folds to nothing: each distinct
        text folded once, the rest C-level lookups (a million texts for 100,000 rules)."""
        distinct = dict.fromkeys(texts)  # in order: a term's first spelling is its display
        for text in distinct:
            term_id = self.term_id(text)
            distinct[text] = -1 if term_id is None else term_id
        return np.fromiter(map(distinct.__getitem__, texts), np.int64, len(texts))

    def keyword_field(self, spec: RuleSpec) -> int | None:
        """The one key field (0-2, or ANY_FIELD) of each term of a keyword rule (any, all,
        none; no query, no topics), or None for other rules and several fields."""
        if (spec.query is not None and spec.query.strip()) or spec.topics:
            return None
        if len(spec.all) >= MAX_CLAUSES:
            return None
        mask = self._masks.get(spec.fields)
        if mask is None:
            mask = self._masks[spec.fields] = field_mask(spec.fields) or ALL_FIELDS
        return _KEY_FIELD.get(mask)

    def spelled_keys(self, text: str, mask: int) -> tuple[int, ...]:
        """Clause keys of ``text`` in a field scope, learned into ``keys_of`` (and into
        ``differs`` when the spelling differs); the slow path of a table lookup."""
        term_id = self.term_id(text)
        keys: tuple[int, ...] = ()  # an empty keyword matches nothing
        if term_id is not None and mask == ALL_FIELDS:
            keys = (self.key(term_id * 4 + ANY_FIELD),)
        elif term_id is not None:
            keys = tuple(self.key(term_id * 4 + f) for f in range(3) if mask & (1 << f))
        self.keys_of.setdefault(mask, {})[text] = keys
        if term_id is not None and text.strip() != self.displays[term_id]:
            self.differs.setdefault(mask, {})[text] = term_id
        return keys

    def tag_key(self, topic_id: str) -> int:
        """The negative key of a topic tag."""
        index = self.topic_index.setdefault(topic_id, len(self.topic_names))
        if index == len(self.topic_names):
            topic = self.topics.get(topic_id)
            self.topic_names.append(topic.name if topic else topic_id)
            self.topic_ids.append(topic_id)
            self.topic_terms.append(self.catalog_terms(topic_id))
        return -(index + 1)

    def catalog_terms(self, topic_id: str) -> tuple[CatalogTerm, ...]:
        """The topic's catalog terms, interned: what explains its tag (see tag_explanation)."""
        topic = self.topics.get(topic_id)
        texts = topic.terms if topic else ()
        interned = ((self.term_id(text), text.strip()) for text in texts)
        return tuple((term_id, text) for term_id, text in interned if term_id is not None)

    def compile(self, spec: RuleSpec) -> tuple[Compiled, AbstractSet[Trigger] | None] | None:
        """The compiled rule and, for a tree, its triggers (None: test it for every article).

        A rule in clause form is indexed by its keys: its triggers are :data:`NO_TRIGGERS`.
        None for an empty rule, which matches nothing (``validate_rule`` reports it).
        """
        mask = self._masks.get(spec.fields)
        if mask is None:
            mask = self._masks[spec.fields] = field_mask(spec.fields) or ALL_FIELDS
        if (spec.query is None or not spec.query.strip()) and not spec.topics:
            # Keywords only (most rules): straight to clause form, no tree to build.
            if not (spec.any or spec.all):
                return None
            if len(spec.all) < MAX_CLAUSES:
                return self._keyword_rule(spec, mask), NO_TRIGGERS
        expression = rule_expression(spec)
        if expression is None:
            return None
        form = _ClauseForm(self, mask)
        if form.add_conjuncts(expression) and 0 < len(form.clauses) <= MAX_CLAUSES:
            return self._clause_rule(spec, form), NO_TRIGGERS
        node, triggers = _TreeBuilder(self).build(expression, mask)
        return Compiled(spec.sources, node=node), triggers

    def _keyword_rule(self, spec: RuleSpec, mask: int) -> Compiled:
        """A rule of any/all/none keywords (no topics): the clauses ``_ClauseForm`` makes of its
        ``rule_expression``, with one C-level table lookup per term. The matcher posts most
        keyword rules without it (``ClauseIndex.add_keywords``) and compiles them here only
        when explaining one."""
        table = self.keys_of.get(mask)
        if table is None:
            table = self.keys_of[mask] = {}
        get, learn = table.get, self.spelled_keys
        clauses: list[tuple[int, ...]] = []
        if spec.any:
            parts = [get(t) or learn(t, mask) for t in spec.any]
            clauses.append(parts[0] if len(parts) == 1 else _union(parts))
        if spec.all:
            clauses.extend([get(t) or learn(t, mask) for t in spec.all])
        excluded: tuple[int, ...] = ()
        if spec.none:
            excluded = tuple(chain.from_iterable([get(t) or learn(t, mask) for t in spec.none]))
        displays = None
        differs = self.differs.get(mask)
        if differs and not (
            differs.keys().isdisjoint(spec.any)
            and differs.keys().isdisjoint(spec.all)
            and differs.keys().isdisjoint(spec.none)
        ):
            displays = {
                differs[t]: t.strip() for t in chain(spec.any, spec.all, spec.none) if t in differs
            }
        # Simple (see Compiled): with one key per term (all fields, or one), each key names a
        # different term exactly when no key repeats.
        simple = False
        if displays is None and mask in _ONE_KEY_MASKS:
            count = sum(map(len, clauses))
            simple = count == len(set(chain.from_iterable(clauses)))
        return Compiled(spec.sources, tuple(clauses), excluded, displays, simple=simple)

    def _clause_rule(self, spec: RuleSpec, form: _ClauseForm) -> Compiled:
        keys = list(chain.from_iterable(form.clauses))
        # Simple: no other spelling, and no term or topic named twice.
        idents = {key >> 2 if key >= 0 else key for key in keys}
        simple = not form.displays and len(idents) == len(keys)
        return Compiled(
            spec.sources,
            tuple(form.clauses),
            tuple(form.excluded),
            form.displays or None,
            simple=simple,
        )

    def key(self, value: int) -> int:
        """``value`` as the shared int object (saves memory over 100,000 rules)."""
        return self.shared_keys.setdefault(value, value)


class _ClauseForm:
    """Collects AND-ed "any of" clauses and one "none of" set; gives up on other shapes."""

    def __init__(self, builder: Builder, mask: int) -> None:
        self.builder, self.mask = builder, mask
        self.clauses: list[tuple[int, ...]] = []
        self.excluded: list[int] = []
        self.displays: dict[int, str] = {}

    def add_conjuncts(self, node: Node) -> bool:
        for item in node.items if isinstance(node, And) else (node,):
            keys = self.keys(item.item if isinstance(item, Not) else item)
            if keys is None:
                return False
            (self.excluded.extend if isinstance(item, Not) else self.clauses.append)(keys)
        return True

    def topic_keys(self, topic_id: str) -> tuple[int, ...]:
        topic = self.builder.topics.get(topic_id)
        tagged = [self.builder.tag_key(topic_id)]
        for text in topic.terms if topic else ():
            tagged.extend(self.term_keys(text, TOPIC_TERM_MASK))
        return tuple(tagged)

    def keys(self, node: Node) -> tuple[int, ...] | None:
        if isinstance(node, Term):
            return self.term_keys(node.text, field_mask(node.fields) if node.fields else self.mask)
        if isinstance(node, TopicRef):
            return self.topic_keys(node.id)
        if isinstance(node, Or):
            collected: list[int] = []
            for item in node.items:
                keys = self.keys(item)
                if keys is None:
                    return None
                collected.extend(keys)
            return tuple(dict.fromkeys(collected))
        return None

    def term_keys(self, text: str, mask: int) -> tuple[int, ...]:
        builder = self.builder
        keys = builder.keys_of.get(mask, {}).get(text)
        if keys is None:
            keys = builder.spelled_keys(text, mask)
        term_id = builder.differs.get(mask, {}).get(text)
        if term_id is not None:
            self.displays[term_id] = text.strip()
        return keys


def _union(parts: Iterable[tuple[int, ...]]) -> tuple[int, ...]:
    """The keys of several parts, each once, in order."""
    return tuple(dict.fromkeys(chain.from_iterable(parts)))


class _TreeBuilder:
    """Compiles any rule tree to nodes, with the trigger set that bounds when it can hold."""

    def __init__(self, builder: Builder) -> None:
        self.builder = builder

    def term(self, text: str, mask: int) -> tuple[CNode, set[Trigger] | None]:
        term_id = self.builder.term_id(text)
        if term_id is None:
            return COr(()), set()  # never holds: an empty keyword matches nothing
        return CTerm(term_id, mask, text.strip()), {term_id}

    def topic(self, topic_id: str) -> tuple[CNode, set[Trigger] | None]:
        topic = self.builder.topics.get(topic_id)
        name = topic.name if topic else topic_id
        items: list[CNode] = [CTag(topic_id, name, self.builder.catalog_terms(topic_id))]
        triggers: set[Trigger] = {topic_id}
        for text in topic.terms if topic else ():
            node, term_triggers = self.term(text, TOPIC_TERM_MASK)
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
