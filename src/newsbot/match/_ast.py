"""The parsed form of a rule: a small tree of frozen nodes.

Usage::

    Query(text="反洗钱 NOT 招聘", root=And((Term("反洗钱"), Not(Term("招聘")))))

``Term.fields`` / ``Pattern.fields`` are ``None`` when the query did not scope them; the
rule's default ``fields`` apply then (resolved when the matcher is compiled).
"""

from __future__ import annotations

from dataclasses import dataclass

from newsbot.models import Article

FIELDS: tuple[str, ...] = ("headline", "summary", "body")
# A topic's catalog terms count where an article announces what it is about, not in any
# passing mention deep in the body (extraction's tags weigh the body: see docs/rules.md).
TOPIC_TERM_FIELDS: tuple[str, ...] = ("headline", "summary")


def field_texts(article: Article) -> tuple[str, str, str]:
    """The texts of FIELDS: the headline field holds kicker, headline and subtitle as printed."""
    return article.heading, article.summary, article.body


@dataclass(frozen=True)
class Term:
    """A keyword or quoted phrase, matched literally after folding."""

    text: str
    fields: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Pattern:
    """A guarded regular expression (``/.../``), searched in the folded text."""

    source: str
    fields: tuple[str, ...] | None = None


@dataclass(frozen=True)
class TopicRef:
    """``topic:ID``: the article is tagged with the topic or contains one of its terms."""

    id: str


@dataclass(frozen=True)
class SourceRef:
    """``source:ID``: the article comes from that source."""

    id: str


@dataclass(frozen=True)
class And:
    """All of ``items``."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Any of ``items``."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """Not ``item``."""

    item: Node


Node = Term | Pattern | TopicRef | SourceRef | And | Or | Not


@dataclass(frozen=True)
class Query:
    """A parsed query: the text it came from and its tree."""

    text: str
    root: Node


def walk(node: Node) -> list[Node]:
    """Every node of the tree, depth first, ``node`` included."""
    out: list[Node] = [node]
    if isinstance(node, And | Or):
        for item in node.items:
            out.extend(walk(item))
    elif isinstance(node, Not):
        out.extend(walk(node.item))
    return out
