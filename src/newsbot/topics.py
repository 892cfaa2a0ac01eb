"""The topic catalog (``config/topics.yaml``): stable ids, admin-editable names and terms.

Usage::

    topics = load_topics(Path("config/topics.yaml"))
    {t.id for t in topics}   # {"anti-fraud", "trade", ...}
"""

from __future__ import annotations

import re
from pathlib import Path

from newsbot._yaml import load_yaml
from newsbot.errors import ConfigError, ConfigProblem
from newsbot.models import Topic

_TOPIC_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_TOPIC_KEYS = ("id", "name", "terms")
MAX_TERM_CHARS = 200


def catalog_path(preferred: Path) -> Path:
    """``preferred`` when that file exists, else the catalog bundled with newsbot."""
    from newsbot._validate import path_kind
    from newsbot.resources import bundled_path

    return preferred if path_kind(preferred) == "file" else bundled_path("config/topics.yaml")


def load_topics(path: Path) -> tuple[Topic, ...]:
    """Read and validate the catalog; raise ConfigError with file:line for each problem."""
    doc = load_yaml(path)
    entries = doc.data.get("topics") if isinstance(doc.data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError([doc.problem((), "expected a 'topics:' list")])
    problems: list[ConfigProblem] = [
        doc.problem((key,), f"unknown key {key!r} (the file holds only 'topics:')")
        for key in doc.data
        if key != "topics"
    ]
    topics: list[Topic] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = ("topics", index)
        if not isinstance(entry, dict):
            problems.append(doc.problem(where, "each topic is a mapping with id, name and terms"))
            continue
        problems.extend(
            doc.problem((*where, key), f"unknown key {key!r} (known: {', '.join(_TOPIC_KEYS)})")
            for key in entry
            if key not in _TOPIC_KEYS
        )
        topic_id, terms = entry.get("id"), entry.get("terms")
        if not isinstance(topic_id, str) or not _TOPIC_ID.match(topic_id):
            problems.append(
                doc.problem(
                    (*where, "id"), f"topic id {topic_id!r}: lowercase letters, digits and '-'"
                )
            )
            continue
        if topic_id in seen:
            problems.append(doc.problem((*where, "id"), f"duplicate topic id {topic_id!r}"))
        seen.add(topic_id)
        if (
            not isinstance(terms, list)
            or not terms
            or not all(isinstance(t, str) and t.strip() and len(t) <= MAX_TERM_CHARS for t in terms)
        ):
            problems.append(
                doc.problem(
                    (*where, "terms"), f"topic {topic_id!r}: terms must be a non-empty list of text"
                )
            )
            continue
        name = entry.get("name", topic_id)
        if not isinstance(name, str) or not name.strip():
            problems.append(doc.problem((*where, "name"), f"topic {topic_id!r}: name must be text"))
            continue
        topics.append(Topic(id=topic_id, name=str(name), terms=tuple(t.strip() for t in terms)))
    if problems:
        raise ConfigError(problems)
    return tuple(topics)
