"""A mutable article under construction, and turning it into the frozen :class:`Article`.

Usage::

    draft = Draft(heading=Heading("标题"), page=1)
    draft.add_paragraph("本报讯 ……。")
    article = draft.finish(topics)

Every extractor (page text, HTML, feeds) fills drafts the same way, so summaries,
keywords and topics are computed in exactly one place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from newsbot._validate import web_link
from newsbot.extract._byline import parse_authors
from newsbot.extract._headline import Heading
from newsbot.extract._keywords import keywords_for
from newsbot.extract._summary import summarize
from newsbot.extract._text import cn_number, ends_sentence, join_broken
from newsbot.extract._topics import topics_for
from newsbot.models import Article, Topic

_CONTINUED = re.compile(
    r"[（(]\s*(下转|转|上接|接)第?\s*([0-9一二三四五六七八九十]{1,3})\s*版\s*[）)]"
)


@dataclass
class Draft:
    """An article being assembled paragraph by paragraph."""

    heading: Heading
    page: int | None = None
    page_name: str | None = None
    page_label: str | None = None
    url: str | None = None
    byline: str | None = None
    authors: tuple[str, ...] = ()
    paragraphs: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    continued_to: int | None = None
    continued_from: int | None = None
    published_at: datetime | None = None
    closed: bool = False

    @property
    def dangling(self) -> bool:
        """True when the last paragraph stops mid-sentence (a column break) and may go on."""
        return bool(self.paragraphs) and not self.closed and not ends_sentence(self.paragraphs[-1])

    def set_byline(self, byline: str) -> None:
        """Record the byline as printed and the people it names (first byline wins)."""
        if self.byline is None:
            text = byline.strip().lstrip("□■").strip()
            if text[:1] in "（(" and text[-1:] in "）)":
                text = text[1:-1].strip()  # "（记者李铮）" reads as 记者李铮
            self.byline = text
            self.authors = parse_authors(byline)

    def add_paragraph(self, text: str, *, repair: bool = True) -> None:
        """Append a paragraph; with ``repair``, rejoin a sentence broken at a column end."""
        joins = repair and self.dangling  # before a "(下转…)" in this text closes the article
        text = self._take_continuation_marks(text)
        if not text:
            return
        if joins:
            self.paragraphs[-1] = join_broken(self.paragraphs[-1], text)
        else:
            self.paragraphs.append(text)

    def _take_continuation_marks(self, text: str) -> str:
        for match in _CONTINUED.finditer(text):
            page = cn_number(match.group(2))
            if match.group(1) in ("下转", "转"):
                self.continued_to = page
                self.closed = True
            else:
                self.continued_from = page
        return _CONTINUED.sub("", text).strip()

    def heading_text(self) -> str:
        """Kicker, headline and subtitle as one line."""
        return self.heading.text()

    def text(self) -> str:
        """Everything a reader sees, for overlap checks."""
        return "\n".join([self.heading.headline, *self.paragraphs])

    def finish(self, topics: Sequence[Topic]) -> Article:
        """The frozen article, with summary, keywords and topics computed."""
        body = "\n\n".join(self.paragraphs)
        head = self.heading
        same = "".join(head.headline.split())
        # A kicker or subtitle that only repeats the headline is no kicker (pages without
        # one often fill the field with the title): never print the headline twice.
        kicker = head.kicker if head.kicker and "".join(head.kicker.split()) != same else None
        subtitle = (
            head.subtitle if head.subtitle and "".join(head.subtitle.split()) != same else None
        )
        return Article(
            headline=head.headline,
            body=body,
            kicker=kicker,
            subtitle=subtitle,
            column=head.column,
            authors=self.authors,
            byline=self.byline,
            summary=summarize(self.paragraphs),
            keywords=keywords_for(head.headline, body),
            topics=topics_for(self.heading_text(), summarize(self.paragraphs), topics),
            continued_to=self.continued_to,
            continued_from=self.continued_from,
            captions=tuple(self.captions),
            url=web_link(self.url),  # never a javascript:/data: link into messages or pages
            page=self.page,
            page_name=self.page_name,
            published_at=self.published_at,
            page_label=self.page_label,
        )


def continuation_mark(text: str) -> tuple[str, int] | None:
    """("下转"|"上接", page) of the first continuation mark in ``text``, if any."""
    match = _CONTINUED.search(text)
    if not match:
        return None
    page = cn_number(match.group(2))
    return (match.group(1), page) if page is not None else None
