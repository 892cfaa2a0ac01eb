"""``epaper``: a dated e-paper site, walked page index -> pages -> articles.

Config::

    - id: ywsb
      kind: epaper
      paper: 义乌商报
      preset: founder-pc            # or founder-pc-catalogue, founder-classic, peoples-daily
      url: "http://szb1.ywcity.cn/layout/{date:%Y%m/%d}/node_01.html"
      selectors: {articles: "ul#articlelist li a"}   # optional overrides of the preset

How a poll decides (the cheap questions first):

1. While today's issue is not stored yet and the preset knows Founder's ``period.xml``,
   that one small file says whether the issue exists; not listed means :class:`NoIssue`.
2. The front page is fetched (conditionally, once the issue is stored: a 304 is
   :class:`NotModified`). A 404, a redirect to another date, or an empty index means
   "not published yet"; a full page where the selectors find nothing means the site changed,
   which is an error an admin must see.
3. Every page, every article (and the page PDFs, with ``fetch_pdfs``) is fetched; the issue
   is returned only if its bytes differ from the last poll's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal

import httpx
from pydantic import BaseModel, Field, field_validator

from newsbot._validate import url_template
from newsbot.errors import SourceError
from newsbot.models import Document
from newsbot.secrets import redact_url
from newsbot.sources._common import (
    format_template,
    http_error,
    is_dated,
    issue_result,
    prune_validators,
    redirected_elsewhere,
    url_dates,
    waiting,
)
from newsbot.sources._fetch import Answer, fetch
from newsbot.sources._html import (
    Link,
    PageIndex,
    Selectors,
    declared_charset,
    meta_refresh_target,
    page_name,
    page_number,
    parse_index,
    period_dates,
)
from newsbot.sources._presets import PRESETS
from newsbot.sources.base import (
    EarlyPart,
    Fetched,
    NoIssue,
    NotModified,
    PollResult,
    Source,
    SourceOptions,
    SourceState,
    register_source,
)

log = logging.getLogger(__name__)

# An index with less than this is "empty" (not published yet); more, and no links matched,
# means the selectors no longer fit the site.
_EMPTY_INDEX_TEXT_CHARS = 200
_EMPTY_INDEX_LINKS = 5


class SelectorOverrides(BaseModel, frozen=True, extra="forbid"):
    """Selectors an admin overrides; unset ones come from the preset."""

    pages: str | None = None
    articles: str | None = None
    pdf: str | None = None
    skip_titles: tuple[str, ...] | None = None

    @field_validator("pages", "articles", "pdf")
    @classmethod
    def _valid_css(cls, value: str | None) -> str | None:
        """A selector that lxml cannot compile would fail every poll: refuse it here."""
        if value is None:
            return None
        from cssselect import HTMLTranslator, SelectorError

        try:
            HTMLTranslator().css_to_xpath(value)
        except SelectorError as exc:
            raise ValueError(f"not a CSS selector lxml can use: {exc}") from None
        return value


class EpaperOptions(SourceOptions, frozen=True, extra="forbid"):
    """Options of an ``epaper`` source."""

    kind: Literal["epaper"] = "epaper"
    url: str  # the front page, a template such as .../layout/{date:%Y%m/%d}/node_01.html
    preset: str = "founder-pc"
    selectors: SelectorOverrides = SelectorOverrides()
    period_url: str | None = None  # a template; None: the preset's; "": do not use one
    fetch_pdfs: bool = False
    max_pages: int = Field(default=48, ge=1, le=500)
    max_articles: int = Field(default=600, ge=1, le=10_000)

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        # An undated entry page (founder-classic's paperindex.htm) is allowed: it reaches
        # only the current issue, which `config check` says as a warning.
        return url_template(value)

    @field_validator("period_url")
    @classmethod
    def _check_period_url(cls, value: str | None) -> str | None:
        return url_template(value) if value else value

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, value: str) -> str:
        if value not in PRESETS:
            raise ValueError(f"unknown preset {value!r}; known: {', '.join(sorted(PRESETS))}")
        return value

    @property
    def effective_selectors(self) -> Selectors:
        """The preset's selectors with the admin's overrides applied."""
        update = {k: v for k, v in self.selectors.model_dump().items() if v is not None}
        return PRESETS[self.preset].selectors.model_copy(update=update)


@register_source
class EpaperSource(Source):
    """Walks a dated e-paper issue into ``page_index`` and ``article_page`` documents."""

    kind = "epaper"
    Options = EpaperOptions
    options: EpaperOptions

    async def poll(
        self,
        client: httpx.AsyncClient,
        state: SourceState,
        *,
        day: date | None,
        now: datetime,
        early: EarlyPart | None = None,
    ) -> PollResult:
        """Find and fetch the issue of ``day`` (None: today's); see the module doc."""
        result = await self._poll(client, state, day=day, now=now, early=early)
        return prune_validators(result, day or self.today(now))

    async def _poll(
        self,
        client: httpx.AsyncClient,
        state: SourceState,
        *,
        day: date | None,
        now: datetime,
        early: EarlyPart | None,
    ) -> PollResult:
        if waiting(state, now=now, asked_day=day):
            return NotModified(state)
        dated = is_dated(self.options.url)
        issue_day = day or self.today(now)
        if not dated and day is not None and day != self.today(now):
            return NoIssue(
                f"{self.id}'s URL has no date: only the current issue is reachable", state
            )
        front_url = format_template(self.options.url, issue_day)
        key = issue_day.isoformat() if dated else None
        if dated and state.last_issue_key != key:
            state, missing = await self._check_period(client, state, front_url, issue_day, now=now)
            if missing is not None:
                return NoIssue(missing, state)
        front, state = await self._front(client, state, front_url, key=key, now=now)
        if front is None:
            return NotModified(state)
        walk = _Walk(front_url=front_url, day=issue_day, dated=dated, now=now, early=early)
        return await self._walk(client, state, front, walk)

    async def _check_period(
        self,
        client: httpx.AsyncClient,
        state: SourceState,
        front_url: str,
        day: date,
        *,
        now: datetime,
    ) -> tuple[SourceState, str | None]:
        """Ask period.xml whether ``day`` is out; a missing period.xml says nothing."""
        period_url = self._period_url(front_url, day)
        if period_url is None:
            return state, None
        # The validator is kept per day asked: a 304 then means "still does not list it".
        key = f"{period_url}#{day.isoformat()}"
        answer = await fetch(
            client,
            period_url,
            options=self.options,
            now=now,
            validator=state.validators.get(key),
            limiter=self.limiter,
        )
        if answer.status == 304:
            return state, f"period.xml does not list {day.isoformat()} yet"
        if answer.status != 200 or not (dates := period_dates(answer.body)):
            return state, None
        if day in dates:
            return state.with_validator(key, None), None
        state = state.with_validator(key, answer.validator)
        return state, f"period.xml does not list {day.isoformat()} yet"

    def _period_url(self, front_url: str, day: date) -> str | None:
        if self.options.period_url == "":
            return None
        if self.options.period_url is not None:
            return format_template(self.options.period_url, day)
        path = PRESETS[self.options.preset].period_path
        return str(httpx.URL(front_url).join(path)) if path else None

    async def _front(
        self,
        client: httpx.AsyncClient,
        state: SourceState,
        url: str,
        *,
        key: str | None,
        now: datetime,
    ) -> tuple[Answer | None, SourceState]:
        """The front page answer, or None when the stored issue is unchanged (304)."""
        have_it = key is not None and state.last_issue_key == key
        validator = state.validators.get(url) if have_it or key is None else None
        answer = await fetch(
            client, url, options=self.options, now=now, validator=validator, limiter=self.limiter
        )
        state = replace(state, fresh_until=answer.fresh_until)
        if answer.status == 304:
            return None, state
        return answer, state.with_validator(url, answer.validator)

    async def _walk(
        self, client: httpx.AsyncClient, state: SourceState, front: Answer, walk: _Walk
    ) -> PollResult:
        now, day = walk.now, walk.day
        front = await self._follow_refresh(client, front, now)
        if (missing := self._missing(front, walk.front_url, day, dated=walk.dated)) is not None:
            return NoIssue(missing, state)
        index = self._parse(front)
        if not index.pages and not index.articles:
            return self._empty_or_broken(index, front, day, state)
        issue_day = day if walk.dated else max(url_dates(front.url), default=None)
        dated_key = issue_day.isoformat() if issue_day else None
        if not walk.dated and dated_key is not None and state.last_issue_key == dated_key:
            return NotModified(state)
        key = dated_key or "front:" + front.url

        async def hand_over(documents: tuple[Document, ...]) -> None:
            part = issue_result(
                self, SourceState(), issue_key=key, documents=documents, day=issue_day
            )
            if walk.early is not None and isinstance(part, Fetched):
                await walk.early(part.raw)

        early = hand_over if walk.early is not None else None
        documents = await self._documents(client, front, index, now, early=early)
        return issue_result(self, state, issue_key=key, documents=documents, day=issue_day)

    def _missing(self, answer: Answer, url: str, day: date, *, dated: bool) -> str | None:
        """Why the front page shows no issue (None: it shows one); raises when broken."""
        if dated and answer.status in (404, 410):
            return f"no issue for {day.isoformat()} yet (HTTP {answer.status})"
        if answer.status != 200:
            raise http_error(answer.status, url, source=self.id)
        if dated and (other := redirected_elsewhere(url, answer.url, day)) is not None:
            return f"{day.isoformat()} redirects to the issue of {other.isoformat()}"
        return None

    def _empty_or_broken(
        self, index: PageIndex, front: Answer, day: date, state: SourceState
    ) -> NoIssue:
        if index.text_chars < _EMPTY_INDEX_TEXT_CHARS or index.link_count < _EMPTY_INDEX_LINKS:
            return NoIssue(f"the index of {day.isoformat()} is empty", state)
        raise SourceError(
            f"no page or article links matched on {redact_url(front.url)} "
            f"(preset {self.options.preset}): did the site change its layout?",
            source=self.id,
            url=front.url,
        )

    async def _follow_refresh(
        self, client: httpx.AsyncClient, answer: Answer, now: datetime
    ) -> Answer:
        """Follow ``<meta refresh>`` hops (Founder classic's paperindex.htm), within the limit."""
        hops = list(answer.redirects)
        while answer.status == 200 and (target := meta_refresh_target(answer.body, answer.url)):
            if len(hops) >= self.options.max_redirects or target == answer.url:
                break
            hops.append(answer.url)
            answer = await fetch(
                client, target, options=self.options, now=now, limiter=self.limiter
            )
        return replace(answer, redirects=(*hops, *answer.redirects))

    async def _documents(
        self,
        client: httpx.AsyncClient,
        front: Answer,
        index: PageIndex,
        now: datetime,
        *,
        early: Callable[[tuple[Document, ...]], Awaitable[None]] | None = None,
    ) -> tuple[Document, ...]:
        """Every page index, then every article (and PDF) they list, as documents.

        With ``early``, the front page's articles come first and are handed over (with the
        front page) before the other pages are fetched: a merchant's alert need not wait
        for page 12.
        """
        pages = page_links(front.url, index)[: self.options.max_pages]
        ahead: dict[str, Answer | None] = {}
        if early is not None:
            ahead = await self._front_first(client, front, index, pages, now=now, early=early)
        others = [link.url for link in pages if link.url != front.url]
        answers = dict(zip(others, await self._get_all(client, others, now), strict=True))
        answers[front.url] = front
        page_docs: list[Document] = []
        articles: dict[str, tuple[int, str | None]] = {}
        pdfs: dict[str, tuple[int, str | None]] = {}
        for position, link in enumerate(pages, start=1):
            answer = answers.get(link.url)
            if answer is None:
                continue
            number, name = page_number(link, position), page_name(link)
            page_index = index if answer is front else self._parse(answer)
            page_docs.append(_document(answer, "page_index", number, name, pdf=page_index.pdf))
            for article in page_index.articles:
                articles.setdefault(article.url, (number, name))
            if self.options.fetch_pdfs and page_index.pdf:
                pdfs.setdefault(page_index.pdf, (number, name))
        wanted = list(articles)[: self.options.max_articles] + list(pdfs)
        rest = [url for url in wanted if url not in ahead]
        ahead.update(zip(rest, await self._get_all(client, rest, now), strict=True))
        fetched = [ahead[url] for url in wanted]
        placed = {**articles, **pdfs}
        extra = [
            _document(answer, "article_page" if url in articles else "page_text", *placed[url])
            for url, answer in zip(wanted, fetched, strict=True)
            if answer is not None
        ]
        return (*page_docs, *extra)

    async def _front_first(
        self,
        client: httpx.AsyncClient,
        front: Answer,
        index: PageIndex,
        pages: list[Link],
        *,
        now: datetime,
        early: Callable[[tuple[Document, ...]], Awaitable[None]],
    ) -> dict[str, Answer | None]:
        """Fetch the front page's articles, handing each over alone as it arrives.

        Only the new article goes: handing over all that arrived so far re-extracted, stored
        and matched them again on every arrival (quadratic in the page's articles, and the
        event loop held meanwhile); the front page itself goes with the whole issue, so its
        headline-only entries are never alerted before their text is there.
        """
        number, name = next(
            ((page_number(link, at), page_name(link)) for at, link in enumerate(pages, 1)
             if link.url == front.url),
            (1, None),
        )  # fmt: skip
        urls = [a.url for a in index.articles][: self.options.max_articles]
        ahead: dict[str, Answer | None] = {}

        async def get(url: str) -> tuple[str, Answer | None]:
            return url, await self._get(client, url, now)

        for arrival in asyncio.as_completed([get(url) for url in urls]):
            url, answer = await arrival
            ahead[url] = answer
            if answer is not None:
                await early((_document(answer, "article_page", number, name),))
        return ahead

    def _parse(self, answer: Answer) -> PageIndex:
        selectors = self.options.effective_selectors
        return read_page_index(
            answer.body, answer.url, self.options.preset, selectors, charset=answer.charset
        )

    async def _get_all(
        self, client: httpx.AsyncClient, urls: list[str], now: datetime
    ) -> list[Answer | None]:
        """Fetch ``urls`` concurrently (the host limiter paces them); None for a 404."""
        return list(await asyncio.gather(*(self._get(client, url, now) for url in urls)))

    async def _get(self, client: httpx.AsyncClient, url: str, now: datetime) -> Answer | None:
        answer = await fetch(client, url, options=self.options, now=now, limiter=self.limiter)
        if answer.status in (404, 410):
            # A dead link inside a published issue is the site's slip, not a missing issue.
            log.warning("missing page in issue", extra={"source": self.id, "url": redact_url(url)})
            return None
        if answer.status != 200:
            raise http_error(answer.status, url, source=self.id)
        return answer


def read_page_index(
    body: bytes, url: str, preset: str, selectors: Selectors, *, charset: str | None = None
) -> PageIndex:
    """A page index read as ``preset`` reads it: by structure for ``generic`` (unless the
    config gives page or article selectors), else by the selectors."""
    if PRESETS[preset].generic and not (selectors.pages or selectors.articles):
        return generic_index(body, url, selectors, charset=charset)
    return parse_index(body, url, selectors, charset=charset)


def generic_index(
    body: bytes, url: str, selectors: Selectors, *, charset: str | None = None
) -> PageIndex:
    """A page index read by structure (preset ``generic``): the issue's page links and
    this page's article links; the PDF link, if any, through the preset's selector."""
    from newsbot.extract import index_links

    reading = index_links(body, url, declared_charset(body, charset))
    counts = parse_index(body, url, selectors, charset=charset)
    return PageIndex(
        pages=tuple(Link(a.url, a.text) for a in reading.pages),
        articles=tuple(
            Link(a.url, a.text)
            for a in reading.articles
            if not any(skip in a.text for skip in selectors.skip_titles)
        ),
        pdf=counts.pdf,
        link_count=counts.link_count,
        text_chars=counts.text_chars,
    )


@dataclass(frozen=True)
class _Walk:
    """What one poll's walk of an issue needs to know besides the front page."""

    front_url: str
    day: date
    dated: bool
    now: datetime
    early: EarlyPart | None


def page_links(front_url: str, index: PageIndex) -> list[Link]:
    """The issue's pages in order, the front page included even when the list omits it."""
    pages = list(index.pages)
    if all(link.url != front_url for link in pages):
        pages.insert(0, Link(url=front_url, text=""))
    return pages


def _document(
    answer: Answer,
    role: Literal["page_index", "article_page", "page_text"],
    page: int,
    name: str | None,
    *,
    pdf: str | None = None,
) -> Document:
    return Document(
        url=answer.url,
        body=answer.body,
        role=role,
        media_type=answer.media_type or "text/html",
        charset=declared_charset(answer.body, answer.charset)
        if "html" in answer.media_type
        else answer.charset,
        page=page,
        page_name=name,
        pdf_url=pdf,
    )
