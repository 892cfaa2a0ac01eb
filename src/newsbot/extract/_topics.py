"""Topics: ids from the catalog (``config/topics.yaml``) whose terms an article carries.

Usage::

    topics = load_topics("config/topics.yaml")
    topics_for("我市多形式开展防范经济犯罪宣传活动", body, topics) == ("anti-fraud",)

A topic is assigned when one of its terms appears in the heading, or when its terms
occur at least :data:`MIN_BODY_HITS` times in the body. Matching folds full-width forms
and case (NFKC), so "ＡＩ" matches "AI".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from newsbot.extract._normalize import fold_for_matching
from newsbot.models import Topic
from newsbot.topics import load_topics as _load_catalog

MIN_BODY_HITS = 3


def load_topics(path: str | Path) -> tuple[Topic, ...]:
    """The topic catalog, read by :func:`newsbot.topics.load_topics` (errors name file:line).

    Usage: ``load_topics("config/topics.yaml")``
    """
    return _load_catalog(Path(path))


def topics_for(heading: str, body: str, topics: Sequence[Topic]) -> tuple[str, ...]:
    """Ids of the catalog topics an article is about, in catalog order."""
    if not topics:
        return ()
    head = fold_for_matching(heading)
    text = fold_for_matching(body)
    found = []
    for topic in topics:
        terms = [fold_for_matching(t) for t in topic.terms if t]
        if any(t in head for t in terms) or sum(text.count(t) for t in terms) >= MIN_BODY_HITS:
            found.append(topic.id)
    return tuple(found)
