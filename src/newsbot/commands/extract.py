"""``newsbot extract PATH_OR_URL``: print the issue extracted from one page, feed or file.

Usage::

    newsbot extract tests/fixtures/ywsb-2025-05-16-p1.txt
    newsbot extract http://szb1.ywcity.cn/layout/202505/16/node_01.html --format text

The document role is guessed from the content unless ``--role`` says it. Errors print
one ``error: …`` line naming the input and exit with status 1, never a traceback.
Warnings (an article without a headline, a page cut short…) print as ``warning: …``
lines on stderr in both formats; the JSON also carries them as ``warnings``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from newsbot.errors import NewsbotError

if TYPE_CHECKING:
    from newsbot.models import DocumentRole, Issue, Topic

ROLES = ("page_text", "page_index", "article_page", "feed")
TOPICS_FILE = "config/topics.yaml"


def _load_topics() -> tuple[Topic, ...]:
    from newsbot.extract import load_topics
    from newsbot.topics import catalog_path

    return load_topics(catalog_path(Path(TOPICS_FILE)))


def _fetch(url: str) -> tuple[bytes, str | None]:
    """GET ``url`` with the sources' manners (size cap, checked redirects, walls recognised)."""
    import asyncio
    from datetime import UTC, datetime

    from newsbot._http import make_async_client
    from newsbot.sources import SourceOptions, fetch

    options = SourceOptions(id="extract", kind="cli", min_interval_s=0)

    async def get() -> tuple[int, bytes, str | None]:
        async with make_async_client(timeout_s=options.timeout_s) as client:
            answer = await fetch(client, url, options=options, now=datetime.now(UTC))
        return answer.status, answer.body, answer.charset

    status, body, charset = asyncio.run(get())
    if status >= 400:
        raise click.ClickException(f"{url}: HTTP {status}")
    return body, charset


def _read(source: str) -> tuple[bytes, str | None]:
    if source.startswith(("http://", "https://")):
        return _fetch(source)
    try:
        return Path(source).read_bytes(), None
    except OSError as exc:
        raise click.ClickException(f"{source}: {exc.strerror or exc}") from exc


def render_text(issue: Issue) -> str:
    """A readable rendering: the issue line, then each article's headline, authors, summary."""
    head = [issue.paper or "?", issue.date.isoformat() if issue.date else "?"]
    if issue.number is not None:
        head.append(f"总第{issue.number}期")
    if issue.page is not None:
        printed = issue.page_label or str(issue.page)
        head.append(f"第{printed}版" + (f" {issue.page_name}" if issue.page_name else ""))
    lines = [" ".join(head), ""]
    for article in issue.articles:
        title = article.heading
        lines.append(f"■ {title or '(无标题)'}")
        if article.authors:
            lines.append("  " + "、".join(article.authors))
        if article.summary:
            lines.append("  " + article.summary)
        if article.url:
            lines.append("  " + article.url)
        lines.append("")
    if issue.teasers:
        lines.append("导读: " + " | ".join(issue.teasers))
    return "\n".join(lines).rstrip() + "\n"


@click.command("extract")
@click.argument("path_or_url")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "text"]),
    default="json",
    show_default=True,
)
@click.option("--role", type=click.Choice(ROLES), default=None, help="Force the document role.")
def extract(path_or_url: str, output_format: str, role: str | None) -> None:
    """Extract the articles of one page, article page, feed or page text and print them."""
    from newsbot.extract import extract_document, guess_role
    from newsbot.models import Document

    try:
        body, charset = _read(path_or_url)
        doc_role = cast("DocumentRole", role) if role else guess_role(body, path_or_url)
        doc = Document(url=path_or_url, body=body, role=doc_role, charset=charset)
        issue = extract_document(doc, topics=_load_topics())
    except click.ClickException as exc:
        click.echo(f"error: {exc.message}", err=True)
        raise SystemExit(1) from None
    except NewsbotError as exc:
        click.echo(f"error: {path_or_url}: {exc}", err=True)
        raise SystemExit(1) from None
    for warning in issue.warnings:
        click.echo(f"warning: {warning}", err=True)
    if output_format == "json":
        data = issue.to_json()
        data["warnings"] = list(issue.warnings)
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(issue), nl=False)
