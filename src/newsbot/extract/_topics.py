"""Topics: ids from the catalog (``config/topics.yaml``) that an article announces.

Usage::

    topics = load_topics("config/topics.yaml")
    topics_for("我市多形式开展防范经济犯罪宣传活动", summary, topics) == ("anti-fraud",)
    topic_evidence("我市多形式开展防范经济犯罪宣传活动", summary, topics)
    # (TopicEvidence(topic_id="anti-fraud", term="经济犯罪", field="headline"),)

A topic is assigned when one of its terms appears in the heading (kicker, headline and
subtitle: the ``headline`` field of rules), or when its terms are mentioned at least
:data:`MIN_SUMMARY_MENTIONS` times in the summary (the article's lead); the evidence says
which term in which field did it. The body alone never assigns a topic: a delegation's
visit or a speech mentions 创新, 出口 and 科技 in passing, and counting those (as an
earlier rule did: 3 body mentions, 电信网络诈骗 counted again as 网络诈骗 and 诈骗) tagged
most articles with topics they were not about. A lead's single stock phrase (优化营商环境,
人才) is not a subject either, hence two mentions there, each counted once (longest term
first). Matching folds full-width forms and case (NFKC), so "ＡＩ" matches "AI"; a term
with a Latin end counts only as a whole word, as in rules ("AI" is not in "Shanghai").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from newsbot.extract._normalize import fold_for_matching
from newsbot.match._normalize import is_word_char
from newsbot.models import Topic
from newsbot.topics import load_topics as _load_catalog

# Where a topic is announced, strongest first (the names of the rule language's fields),
# and how many mentions of the topic's terms each needs.
EVIDENCE_FIELDS = ("headline", "summary")
MIN_SUMMARY_MENTIONS = 2
_MIN_MENTIONS = (1, MIN_SUMMARY_MENTIONS)


@dataclass(frozen=True)
class TopicEvidence:
    """Why an article carries a topic: the catalog term found first, and the field it is in."""

    topic_id: str
    term: str
    field: str


def load_topics(path: str | Path) -> tuple[Topic, ...]:
    """The topic catalog, read by :func:`newsbot.topics.load_topics` (errors name file:line).

    Usage: ``load_topics("config/topics.yaml")``
    """
    return _load_catalog(Path(path))


def topic_evidence(
    heading: str, summary: str, topics: Sequence[Topic]
) -> tuple[TopicEvidence, ...]:
    """For each catalog topic the article announces (catalog order), the term that did it.

    The heading counts before the summary; within a field the earliest term wins, the
    longest at the same place (电信网络诈骗 rather than 诈骗).
    """
    texts = [fold_for_matching(heading), fold_for_matching(summary)]
    found = []
    for topic in topics:
        terms = [(fold_for_matching(t), t) for t in topic.terms if t.strip()]
        for field, text, needed in zip(EVIDENCE_FIELDS, texts, _MIN_MENTIONS, strict=True):
            places = [(_places(text, folded), folded, term) for folded, term in terms]
            hits = [(at[0], -len(folded), term) for at, folded, term in places if at]
            if hits and _mentions(text, [folded for folded, _ in terms]) >= needed:
                found.append(TopicEvidence(topic.id, min(hits)[2], field))
                break
    return tuple(found)


def _mentions(text: str, terms: list[str]) -> int:
    """Occurrences of ``terms`` in ``text``, each place counted once, longest term first."""
    count = 0
    for term in sorted(terms, key=len, reverse=True):
        for start in _places(text, term):
            count += 1
            # 诈骗 inside 电信网络诈骗 is not another mention
            text = text[:start] + "\0" * len(term) + text[start + len(term) :]
    return count


def _places(text: str, term: str) -> list[int]:
    """Where ``term`` starts in ``text`` (not overlapping), as the matcher finds terms: one
    with a Latin first or last character only where it is not part of a longer Latin word."""
    places: list[int] = []
    start = text.find(term) if term else -1
    while start >= 0:
        end = start + len(term)
        inside = (is_word_char(term[0]) and start > 0 and is_word_char(text[start - 1])) or (
            is_word_char(term[-1]) and end < len(text) and is_word_char(text[end])
        )
        if not inside:
            places.append(start)
        start = text.find(term, start + 1 if inside else end)
    return places


def topics_for(heading: str, summary: str, topics: Sequence[Topic]) -> tuple[str, ...]:
    """Ids of the catalog topics an article announces, in catalog order."""
    return tuple(evidence.topic_id for evidence in topic_evidence(heading, summary, topics))
