"""What ``newsbot sources probe`` decides, without I/O: which reading fits a page index,
how its URL becomes a dated template, and the ``sources:`` entry to paste.

Usage::

    choice = choose_reading(body, url, charset)      # a preset, else "generic"
    template = date_template(url)                     # ".../{date:%Y%m/%d}/node_01.html"
    print(source_entry(url=template, preset=choice.preset, paper="桂林日报"))

Presets stay the fast path: one is chosen when its selectors find (nearly) every article
the structure-based reading finds; otherwise the ``generic`` preset reads the site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from newsbot.sources._html import PageIndex, parse_index
from newsbot.sources._presets import PRESETS
from newsbot.sources.epaper import generic_index

# A preset is preferred while it finds at least this share of the generic reading's articles.
_PRESET_SHARE = 0.8
# Date spellings of e-paper URLs, most specific first, with the template that spells them.
_URL_DATES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})/(\d{2})(?!\d)"), "%Y-%m/%d"),
    (re.compile(r"(?<!\d)(\d{4})(\d{2})/(\d{2})(?!\d)"), "%Y%m/%d"),
    (re.compile(r"(?<!\d)(\d{4})/(\d{2})/(\d{2})(?!\d)"), "%Y/%m/%d"),
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"), "%Y-%m-%d"),
    (re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"), "%Y%m%d"),
)
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Reading:
    """The reading chosen for a site: a preset name (or "generic") and what it found."""

    preset: str
    index: PageIndex
    tried: tuple[tuple[str, int], ...]  # (preset, articles found) for every candidate


def choose_reading(body: bytes, url: str, charset: str | None) -> Reading:
    """The preset that reads this index, else the generic reading by structure."""
    generic = generic_index(body, url, PRESETS["generic"].selectors, charset=charset)
    tried: list[tuple[str, int]] = []
    best: tuple[str, PageIndex] | None = None
    for name, preset in PRESETS.items():
        if preset.generic:
            continue
        index = parse_index(body, url, preset.selectors, charset=charset)
        tried.append((name, len(index.articles)))
        if index.articles and (best is None or len(index.articles) > len(best[1].articles)):
            best = (name, index)
    tried.append(("generic", len(generic.articles)))
    if best is not None and len(best[1].articles) >= _PRESET_SHARE * len(generic.articles):
        return Reading(best[0], best[1], tuple(tried))
    return Reading("generic", generic, tuple(tried))


def date_template(url: str) -> tuple[str, date | None]:
    """``url`` with its issue date made a ``{date:…}`` template, and that date (None: none)."""
    parts = urlsplit(url)
    for pattern, spelling in _URL_DATES:
        for match in pattern.finditer(parts.path):
            try:
                day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                continue
            path = parts.path[: match.start()] + f"{{date:{spelling}}}" + parts.path[match.end() :]
            return parts._replace(path=path).geturl(), day
    return url, None


def source_id(paper: str | None, url: str) -> str:
    """An id for the entry: the site's host, made a slug ("epaper-guilinlife-com")."""
    host = urlsplit(url).netloc.split(":")[0] or "paper"
    return _SLUG.sub("-", host.lower()).strip("-") or "paper"


def source_entry(*, source: str, kind: str, url: str, paper: str | None, preset: str | None) -> str:
    """A ready-to-paste ``sources:`` YAML entry that ``newsbot config check`` accepts."""
    lines = ["sources:", f"  - id: {source}", f"    kind: {kind}"]
    if paper:
        lines.append(f"    paper: {paper}")
    if preset:
        lines.append(f"    preset: {preset}")
    lines.append(f'    url: "{url}"')
    return "\n".join(lines) + "\n"
