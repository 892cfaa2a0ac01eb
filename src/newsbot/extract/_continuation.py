"""Join articles continued on another page of the same issue ("下转第五版" / "上接第一版").

Usage::

    drafts = join_continuations(drafts)   # the page-5 part is folded into the page-1 article

A part on page N that says 上接第M版 belongs to the page-M article that says 下转第N版. When
a page holds several, the one sharing the most headline words wins. The joined article
keeps its first page; the sentence broken by the page turn is rejoined.
"""

from __future__ import annotations

from newsbot.extract._draft import Draft
from newsbot.extract._text import ends_sentence, join_broken, overlap


def _match(head: Draft, candidates: list[Draft]) -> Draft | None:
    fitting = [
        d
        for d in candidates
        if d.page == head.continued_to and d.continued_from in (head.page, None) and d is not head
    ]
    if not fitting:
        return None
    return max(fitting, key=lambda d: overlap(head.heading_text(), d.text()))


def join_continuations(drafts: list[Draft]) -> list[Draft]:
    """Drafts with every continued part folded into the article it continues."""
    tails = [d for d in drafts if d.continued_from is not None]
    absorbed: set[int] = set()
    for draft in drafts:
        if draft.continued_to is None or id(draft) in absorbed:
            continue
        tail = _match(draft, [t for t in tails if id(t) not in absorbed])
        if tail is None:
            continue
        absorbed.add(id(tail))
        _append(draft, tail)
    return [d for d in drafts if id(d) not in absorbed]


def _append(head: Draft, tail: Draft) -> None:
    paragraphs = list(tail.paragraphs)
    if head.paragraphs and paragraphs and not ends_sentence(head.paragraphs[-1]):
        head.paragraphs[-1] = join_broken(head.paragraphs[-1], paragraphs.pop(0))
    head.paragraphs += paragraphs
    head.captions += [c for c in tail.captions if c not in head.captions]
    if head.byline is None and tail.byline is not None:
        head.byline, head.authors = tail.byline, tail.authors
    head.continued_to = tail.continued_to  # the rest may go on to yet another page
