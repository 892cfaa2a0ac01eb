"""A rule's ``source:ID`` terms checked against the config's sources.

One check, used by the config loader (``config check``) and by the web rule playground, so a
typed rule naming a source the config lacks is refused in both with the same sentence. It lives
outside :mod:`newsbot.match` because the matcher needs no config: it only ever sees source ids
the loader has already checked.

Usage::

    source_problems(parse_query("source:ywsb AND 反诈"), {"ywsb"})    # []
    source_problems(parse_query("source:nope"), {"ywsb"})             # ["unknown source 'nope'"]
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsbot.match import Query


def source_problems(query: Query, known: Collection[str]) -> list[str]:
    """One sentence per source ``query`` names that is not in ``known``, sorted by id."""
    from newsbot.match._ast import SourceRef, walk

    named = {node.id for node in walk(query.root) if isinstance(node, SourceRef)}
    return [f"unknown source {name!r}" for name in sorted(named - set(known))]
