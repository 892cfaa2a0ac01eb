"""``newsbot extract PATH_OR_URL``: print the issue extracted from one page, feed or file.

Usage::

    newsbot extract tests/fixtures/ywsb-2025-05-16-p1.txt
    newsbot extract http://szb1.ywcity.cn/layout/202505/16/node_01.html --format text

The document role is guessed from the content unless ``--role`` says it. Reads are
bounded (MAX_INPUT_BYTES; regular files only, never a device or pipe). Errors print one
``error: …`` line naming the input (passwords and keys redacted) and exit with status 1
(2 for an input that cannot name a page), never a traceback; so does a page with no result.
Warnings (an article without a headline, a page cut short…) print as ``warning: …``
lines on stderr in both formats; the JSON also carries them as ``warnings``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from newsbot.errors import NewsbotError, UserError

if TYPE_CHECKING:
    from newsbot.models import DocumentRole, Issue, Topic

ROLES = ("page_text", "page_index", "article_page", "feed")
TOPICS_FILE = "config/topics.yaml"


MAX_INPUT_BYTES = 20_000_000  # the sources' default body cap: a page or feed is far smaller


def _load_topics(config_path: Path | None) -> tuple[Topic, ...]:
    """The topics of ``--config`` when given, else of config/topics.yaml or the bundled catalog."""
    from newsbot.extract import load_topics
    from newsbot.topics import catalog_path

    if config_path is not None:
        from newsbot.config import load_settings

        return load_settings(config_path).topics
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
        raise UserError(f"{url}: HTTP {status}")
    return body, charset


def _check_url(url: str) -> None:
    """Refuse, before any connection, a URL no request can be made to (exit 2)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise UserError(f"{url}: not a valid URL ({exc})", exit_code=2) from None
    if not parts.hostname:
        raise UserError(f"{url}: no host in the URL", exit_code=2)


def read_file(path: Path) -> bytes:
    """The bytes of a regular file, at most MAX_INPUT_BYTES: never a device, pipe or folder."""
    import stat

    info = path.stat()
    if stat.S_ISDIR(info.st_mode):
        raise UserError(f"{path}: a folder, not a page or feed file", exit_code=2)
    if not stat.S_ISREG(info.st_mode):
        raise UserError(f"{path}: not a regular file (a device or pipe)", exit_code=2)
    with path.open("rb") as handle:  # the size can lie (/proc) or grow: read one byte past
        body = handle.read(MAX_INPUT_BYTES + 1)
    if len(body) > MAX_INPUT_BYTES:
        raise UserError(f"{path}: larger than {MAX_INPUT_BYTES // 1_000_000} MB; not a page")
    return body


def read_input(source: str) -> tuple[bytes, str | None]:
    """(body, charset) of a path, a ``file://`` URL or an http(s) URL; bounded, errors in one line."""
    from urllib.parse import unquote, urlsplit

    if not source.strip():
        raise UserError("no page given: name a file or an http(s) URL", exit_code=2)
    try:
        scheme = urlsplit(source).scheme.lower() if "://" in source or ":" in source[:12] else ""
    except ValueError as exc:  # "http://[::1": an unclosed IPv6 bracket
        raise UserError(f"{source}: not a valid URL ({exc})", exit_code=2) from None
    if scheme in ("http", "https"):
        _check_url(source)
        return _fetch(source)
    if scheme == "file":
        path = Path(unquote(urlsplit(source).path))
    elif len(scheme) > 1 and not Path(source).exists():  # one letter: a Windows drive
        raise UserError(f"{source}: only http://, https:// and file paths can be read", exit_code=2)
    else:
        path = Path(source)
    try:
        return read_file(path), None
    except OSError as exc:
        raise UserError(f"{source}: {(exc.strerror or str(exc)).lower()}") from exc


def render_text(issue: Issue, with_keywords: bool = False) -> str:
    """A readable rendering: the issue line, then each article's headline, authors, summary.

    With ``with_keywords``, a line of keywords follows each summary.
    """
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
        if with_keywords and article.keywords:
            lines.append("  关键词: " + "、".join(article.keywords))
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
@click.option(
    "--keywords",
    "with_keywords",
    is_flag=True,
    help="Also compute each article's keywords (loads jieba's dictionary: about a second).",
)
@click.pass_context
def extract(
    ctx: click.Context, path_or_url: str, output_format: str, role: str | None, with_keywords: bool
) -> None:
    """Extract the articles of one page, article page, feed or page text and print them.

    Exits 1 when nothing could be extracted (not a page, feed or page text newsbot reads).
    """
    from contextlib import nullcontext

    from newsbot.extract import extract_document, guess_role
    from newsbot.extract._keywords import keywords_skipped
    from newsbot.models import Document

    topics = _load_topics((ctx.obj or {}).get("config_path"))
    body, charset = read_input(path_or_url)
    try:
        doc_role = cast("DocumentRole", role) if role else guess_role(body, path_or_url)
        doc = Document(url=path_or_url, body=body, role=doc_role, charset=charset)
        with nullcontext() if with_keywords else keywords_skipped():
            issue = extract_document(doc, topics=topics)
    except NewsbotError as exc:
        raise UserError(f"{path_or_url}: {exc}") from exc
    if not issue.articles and not issue.teasers:  # the error alone: warnings would bury it
        raise UserError(
            f"{path_or_url}: no articles found: not a page text, e-paper page or feed "
            "newsbot can read (try --role)"
        )
    for warning in issue.warnings:
        click.echo(f"warning: {warning}", err=True)
    if output_format == "json":
        click.echo(json.dumps(_json(issue, with_keywords), ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(issue, with_keywords), nl=False)


def _json(issue: Issue, with_keywords: bool) -> object:
    """The issue as JSON; without ``--keywords`` each article's keywords are null (not computed)."""
    data = issue.to_json()
    if not with_keywords:
        for article in data["articles"]:
            article["keywords"] = None
    data["warnings"] = list(issue.warnings)
    return data
