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

import yaml

from newsbot.errors import ConfigError, ConfigProblem
from newsbot.extract._normalize import fold_for_matching
from newsbot.models import Topic

MIN_BODY_HITS = 3


def load_topics(path: str | Path) -> tuple[Topic, ...]:
    """Read the topic catalog; raise ConfigError naming the file when it is malformed.

    Usage: ``load_topics("config/topics.yaml")``
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError([ConfigProblem(str(path), None, f"cannot read topics: {exc}")]) from exc
    entries = data.get("topics") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError([ConfigProblem(str(path), None, "expected a 'topics:' list")])
    topics = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("terms"):
            message = f"topic #{index + 1} needs an id and terms"
            raise ConfigError([ConfigProblem(str(path), None, message)])
        terms = tuple(str(t) for t in entry["terms"])
        topics.append(Topic(id=str(entry["id"]), name=str(entry.get("name", "")), terms=terms))
    return tuple(topics)


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
