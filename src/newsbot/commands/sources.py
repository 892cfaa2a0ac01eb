"""``newsbot sources probe URL``: how newsbot reads a paper, and the config entry for it.

Usage::

    newsbot sources probe http://szb1.ywcity.cn/layout/202505/16/node_01.html
    newsbot sources probe saved/node_01.html --pages 2 --articles 1   # offline, saved pages

Given a paper's front page or any page index of an issue (a saved file works too: links
are then read from files beside it), it prints which preset or generic reading it used,
the issue's page list, the first articles of the first pages with their fields, and a
``sources:`` entry with a dated URL template that ``newsbot config check`` accepts.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click

from newsbot.errors import NewsbotError, UserError

if TYPE_CHECKING:
    import httpx

    from newsbot.models import Article, Issue

_MAX_META_REFRESH_HOPS = 3
_SAVED_HINT = "\n(a saved file: give --url with the address it came from for a sources: entry)"


@dataclass(frozen=True)
class _Got:
    """One page read: its final URL (or path), bytes and declared charset."""

    url: str
    body: bytes
    charset: str | None


class _Reader:
    """Reads URLs over HTTP with the sources' manners, or paths from disk (offline)."""

    def __init__(self, client: httpx.AsyncClient | None, saved: Path | None = None) -> None:
        self.client = client
        self.saved = saved  # offline: URLs are read from files of this folder, by name

    async def get(self, target: str) -> _Got | None:
        """The page at ``target``; None when it is not there (404, missing file)."""
        if self.saved is not None and target.startswith(("http://", "https://")):
            name = urlsplit(target).path.rsplit("/", 1)[-1]
            return _saved(target, self.saved / name) if name else None
        if not target.startswith(("http://", "https://")):
            return _saved(target, Path(target))
        if self.client is None:  # a saved file read without --url: offline, links stay unread
            return None
        from datetime import UTC, datetime

        from newsbot.sources import SourceOptions, fetch
        from newsbot.sources._html import declared_charset

        options = SourceOptions(id="probe", kind="cli", min_interval_s=0)
        answer = await fetch(self.client, target, options=options, now=datetime.now(UTC))
        if answer.status in (404, 410):
            return None
        if answer.status >= 400:
            raise UserError(f"{target}: HTTP {answer.status}")
        return _Got(answer.url, answer.body, declared_charset(answer.body, answer.charset))

    async def front(self, target: str) -> _Got:
        """The page at ``target`` after any ``<meta refresh>`` hops (Founder paperindex.htm)."""
        from newsbot.sources._html import meta_refresh_target

        got = await self.get(target)
        if got is None:
            raise UserError(f"{target}: not found")
        for _ in range(_MAX_META_REFRESH_HOPS):
            hop = meta_refresh_target(got.body, got.url)
            if hop is None or hop == got.url or (following := await self.get(hop)) is None:
                break
            got = following
        return got


def _saved(target: str, path: Path) -> _Got | None:
    """A saved page read like ``newsbot extract`` reads one (bounded); None when missing."""
    from newsbot.commands.extract import read_file

    return _Got(target, read_file(path), None) if path.is_file() else None


@click.group("sources")
def sources() -> None:
    """Sources: probe a paper's site to see how newsbot reads it."""


@sources.command("probe")
@click.argument("url_or_path")
@click.option("--pages", "max_pages", default=3, show_default=True, help="Pages to open.")
@click.option("--articles", "max_articles", default=2, show_default=True, help="Per page.")
@click.option(
    "--url",
    "saved_from",
    default=None,
    help="For a saved file: the URL it was saved from (linked pages are read beside it).",
)
def probe(url_or_path: str, max_pages: int, max_articles: int, saved_from: str | None) -> None:
    """Show how newsbot reads a paper's page index, and print a sources: entry for it."""
    try:
        asyncio.run(_probe(url_or_path, max_pages, max_articles, saved_from))
    except UserError:
        raise
    except NewsbotError as exc:  # a fetch or extraction error: say which page it was
        raise UserError(f"{url_or_path}: {exc}") from exc


async def _probe(target: str, max_pages: int, max_articles: int, saved_from: str | None) -> None:
    from newsbot._http import make_async_client

    if not target.startswith(("http://", "https://")):
        path = Path(target)
        if not path.is_file():
            raise UserError(f"{target}: no such file")
        if saved_from is None:
            await _run(_Reader(None), target, max_pages, max_articles)
            return
        await _run(_Reader(None, path.parent), saved_from, max_pages, max_articles, path)
        return
    async with make_async_client(timeout_s=20) as client:
        await _run(_Reader(client), target, max_pages, max_articles)


async def _run(
    reader: _Reader, target: str, max_pages: int, max_articles: int, saved: Path | None = None
) -> None:
    from newsbot.commands.extract import read_file
    from newsbot.extract import guess_role

    if saved is not None:  # the file the admin saved is the page at ``target``
        front = _Got(target, read_file(saved), None)
    else:
        front = await reader.front(target)
    role = guess_role(front.body, front.url)
    if role == "feed":
        _feed(front)
        return
    if role != "page_index":
        _article_page(front, role)
        return
    await _epaper(reader, front, max_pages, max_articles)


def _feed(front: _Got) -> None:
    from newsbot.extract import extract_document
    from newsbot.models import Document
    from newsbot.sources._probe import source_entry, source_id

    issue = extract_document(Document(front.url, front.body, role="feed", charset=front.charset))
    click.echo(f"reading: feed ({len(issue.articles)} entries)")
    for article in issue.articles[:3]:
        _echo_article(article, issue)
    if not front.url.startswith(("http://", "https://")):
        click.echo(_SAVED_HINT)
        return
    entry = source_entry(
        source=source_id(issue.paper, front.url),
        kind="feed",
        url=front.url,
        paper=None,
        preset=None,
    )
    click.echo("\nPaste into the config:\n" + entry, nl=False)


def _article_page(front: _Got, role: str) -> None:
    from newsbot.extract import extract_document
    from newsbot.models import Document

    issue = extract_document(Document(front.url, front.body, role="article_page"))
    click.echo(f"reading: {role.replace('_', ' ')} (not a page index)")
    for article in issue.articles:
        _echo_article(article, issue)
    click.echo(
        "\nThis is one article, not a page index: probe the paper's front page (第01版) "
        "to get a sources: entry."
    )


async def _epaper(reader: _Reader, front: _Got, max_pages: int, max_articles: int) -> None:
    from newsbot.sources._probe import choose_reading
    from newsbot.sources.epaper import page_links

    reading = choose_reading(front.body, front.url, front.charset)
    tried = ", ".join(f"{name} {count}" for name, count in reading.tried)
    how = "preset " + reading.preset if reading.preset != "generic" else "generic reading"
    click.echo(f"reading: {how} (articles found on this page: {tried})")
    pages = page_links(front.url, reading.index)
    issue = _index_issue(front)
    click.echo(f"paper: {issue.paper or '?'}  date: {issue.date or '?'}")
    click.echo(f"pages ({len(pages)}):")
    for link in pages:
        click.echo(f"  {link.text or '(this page)'}  {link.url}")
    for link in pages[:max_pages]:
        await _show_page(reader, link.url, front, reading.preset, max_articles)
    _entry(pages[0].url if pages else front.url, reading.preset, issue.paper)


def _index_issue(got: _Got) -> Issue:
    from newsbot.extract import extract_document
    from newsbot.models import Document

    doc = Document(got.url, got.body, role="page_index", charset=got.charset)
    return extract_document(doc)


async def _show_page(
    reader: _Reader, url: str, front: _Got, preset: str, max_articles: int
) -> None:
    from newsbot.sources._presets import PRESETS
    from newsbot.sources.epaper import read_page_index

    got = front if url == front.url else await reader.get(url)
    if got is None:
        click.echo(f"\n{url}: not available")
        return
    selectors = PRESETS[preset].selectors
    index = read_page_index(got.body, got.url, preset, selectors, charset=got.charset)
    page = _index_issue(got)
    label = f"第{page.page_label or page.page or '?'}版 {page.page_name or ''}".rstrip()
    click.echo(f"\n{label}: {len(index.articles)} articles  {got.url}")
    for link in index.articles[:max_articles]:
        await _show_article(reader, link.url, link.text)


async def _show_article(reader: _Reader, url: str, text: str) -> None:
    from newsbot.extract import extract_document
    from newsbot.models import Document

    got = await reader.get(url)
    if got is None:
        click.echo(f"  ■ {text}\n    (article page not available: {url})")
        return
    issue = extract_document(Document(got.url, got.body, role="article_page", charset=got.charset))
    if not issue.articles:
        click.echo(f"  ■ {text}\n    (no article text found: {url})")
    for article in issue.articles[:1]:
        _echo_article(article, issue)


def _echo_article(article: Article, issue: Issue) -> None:
    click.echo(f"  ■ {article.headline or '(无标题)'}")
    fields = [
        ("kicker", article.kicker),
        ("subtitle", article.subtitle),
        ("authors", "、".join(article.authors)),
        ("date", str(article.published_at or issue.date or "")),
        ("page", article.page_label or (str(article.page) if article.page else "")),
        ("summary", article.summary),
        ("url", article.url),
    ]
    for name, value in fields:
        if value:
            click.echo(f"    {name}: {value}")


def _entry(url: str, preset: str, paper: str | None) -> None:
    from newsbot.sources._probe import date_template, source_entry, source_id

    if not url.startswith(("http://", "https://")):
        click.echo(_SAVED_HINT)
        return
    template, day = date_template(url)
    entry = source_entry(
        source=source_id(paper, url), kind="epaper", url=template, paper=paper, preset=preset
    )
    click.echo("\nPaste into the config:\n" + entry, nl=False)
    if day is None:
        click.echo(
            "# no date in this URL: the entry polls the current issue only; if the site has "
            "dated URLs, probe a dated page instead"
        )
