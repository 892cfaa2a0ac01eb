"""``pagetext``: page text or page PDF URLs, or a local folder an editor drops files into.

Config::

    - id: ywsb-text
      kind: pagetext
      paper: 义乌商报
      urls: ["https://example.cn/text/{date:%Y-%m-%d}/p1.txt"]   # or: folder: /srv/drop/ywsb

A URL template naming ``{date...}`` makes a dated source: a 404 (or a redirect to another
day) on its first URL means "no issue yet". The first URL is the probe, fetched with its
stored validators; the others are fetched only when the probe says something changed.
In a folder, files whose names carry a date (``ywsb-2025-05-16-p1.txt``) belong to that
day's issue; a folder without dated names is one current issue keyed by its content.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import httpx
from pydantic import field_validator, model_validator

from newsbot._validate import url_template
from newsbot.errors import SourceError
from newsbot.models import Document
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
from newsbot.sources.base import (
    EarlyPart,
    NoIssue,
    NotModified,
    PollResult,
    Source,
    SourceOptions,
    SourceState,
    register_source,
)

_MEDIA_TYPES = {
    ".txt": "text/plain",
    ".pdf": "application/pdf",
    ".html": "text/html",
    ".htm": "text/html",
}
_PAGE_IN_NAME = re.compile(r"(?:[-_ .]p|[-_ ]page|第)(\d{1,3})(?:版)?(?=\D*$)", re.IGNORECASE)


class PagetextOptions(SourceOptions, frozen=True, extra="forbid"):
    """Options of a ``pagetext`` source: ``urls`` (templates) or ``folder``, not both."""

    kind: Literal["pagetext"] = "pagetext"
    urls: tuple[str, ...] = ()
    folder: Path | None = None
    pattern: str = "*"  # glob of the files to read in ``folder``

    @field_validator("urls")
    @classmethod
    def _check_urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(url_template(url) for url in value)

    @field_validator("pattern")
    @classmethod
    def _check_pattern(cls, value: str) -> str:
        check_pattern(value)
        return value

    @model_validator(mode="after")
    def _one_origin(self) -> PagetextOptions:
        if bool(self.urls) == (self.folder is not None):
            raise ValueError("a pagetext source needs either urls or folder, not both")
        return self


@register_source
class PagetextSource(Source):
    """Fetches page text (or page PDFs) as ``page_text`` documents, one per page."""

    kind = "pagetext"
    Options = PagetextOptions
    options: PagetextOptions

    async def poll(
        self,
        client: httpx.AsyncClient,
        state: SourceState,
        *,
        day: date | None,
        now: datetime,
        early: EarlyPart | None = None,  # one fetch: nothing to hand over early
    ) -> PollResult:
        """Fetch the pages of ``day`` (None: today) if they are new; see the module doc."""
        if waiting(state, now=now, asked_day=day):
            return NotModified(state)
        if self.options.folder is not None:
            return self._poll_folder(self.options.folder, state, day=day, now=now)
        result = await self._poll_urls(client, state, day=day, now=now)
        return prune_validators(result, day or self.today(now))

    async def _poll_urls(
        self, client: httpx.AsyncClient, state: SourceState, *, day: date | None, now: datetime
    ) -> PollResult:
        today = self.today(now)
        dated = any(is_dated(t) for t in self.options.urls)
        issue_day = day or today
        if not dated and issue_day != today:
            return NoIssue(f"{self.id} has no dated URLs: only the current text exists", state)
        urls = [format_template(t, issue_day) for t in self.options.urls]
        probe = await fetch(
            client,
            urls[0],
            options=self.options,
            now=now,
            validator=state.validators.get(urls[0]),
            limiter=self.limiter,
        )
        state = replace(state, fresh_until=probe.fresh_until).with_validator(
            urls[0], probe.validator or state.validators.get(urls[0])
        )
        issue_key = issue_day.isoformat() if dated else None
        if probe.status == 304 and (issue_key is None or state.last_issue_key == issue_key):
            return NotModified(state)
        if probe.status == 304:  # validators of another day's issue: ask again, unconditionally
            probe = await fetch(
                client, urls[0], options=self.options, now=now, limiter=self.limiter
            )
        if (missing := self._missing(probe, urls[0], issue_day, dated=dated)) is not None:
            return NoIssue(missing, state)
        answers = [probe]
        for url in urls[1:]:
            answer = await fetch(client, url, options=self.options, now=now, limiter=self.limiter)
            if answer.status == 200:
                answers.append(answer)
        documents = tuple(_document(a, page=i) for i, a in enumerate(answers, start=1))
        key = issue_key or "text:" + _short_hash(documents)
        return issue_result(
            self, state, issue_key=key, documents=documents, day=issue_day if dated else None
        )

    def _missing(self, answer: Answer, url: str, day: date, *, dated: bool) -> str | None:
        """Why the probe shows no issue (None: it shows one); raises when the source is broken."""
        if dated and answer.status in (404, 410):
            return f"no page text for {day.isoformat()} yet (HTTP {answer.status})"
        if answer.status != 200:
            raise http_error(answer.status, url, source=self.id)
        if dated and (other := redirected_elsewhere(url, answer.url, day)) is not None:
            return f"redirected to the issue of {other.isoformat()}"
        if dated and not answer.body.strip():
            return f"the page text for {day.isoformat()} is empty"
        return None

    def _poll_folder(
        self, folder: Path, state: SourceState, *, day: date | None, now: datetime
    ) -> PollResult:
        if not folder.is_dir():
            raise SourceError(f"folder {folder} does not exist", source=self.id)
        try:
            files = files_in(folder, self.options.pattern)
        except ValueError as exc:
            raise SourceError(str(exc), source=self.id) from exc
        issue_day = day or self.today(now)
        dated = [p for p in files if url_dates(p.name)]
        if dated:
            files = [p for p in dated if issue_day in url_dates(p.name)]
            if not files:
                return NoIssue(f"no file for {issue_day.isoformat()} in the folder", state)
        elif not files:
            return NoIssue("the folder is empty", state)
        documents = tuple(self._file_document(p, page=i) for i, p in enumerate(files, start=1))
        key = issue_day.isoformat() if dated else "text:" + _short_hash(documents)
        return issue_result(
            self, state, issue_key=key, documents=documents, day=issue_day if dated else None
        )

    def _file_document(self, path: Path, *, page: int) -> Document:
        if path.stat().st_size > self.options.max_body_bytes:
            raise SourceError(
                f"{path.name} is over {self.options.max_body_bytes} bytes", source=self.id
            )
        named = _PAGE_IN_NAME.search(path.stem)
        return Document(
            url=path.resolve().as_uri(),
            body=path.read_bytes(),
            role="page_text",
            media_type=_MEDIA_TYPES.get(path.suffix.lower(), "text/plain"),
            page=int(named.group(1)) if named else page,
        )


def check_pattern(pattern: str) -> None:
    """Refuse a glob that could leave its folder: absolute, or with a ``..`` part."""
    if not pattern.strip():
        raise ValueError("pattern cannot be empty (use '*' for every file)")
    if "\x00" in pattern:
        raise ValueError("pattern cannot contain a NUL character")
    if pattern.startswith(("/", "\\")) or Path(pattern).is_absolute():
        raise ValueError(f"pattern {pattern!r} must be relative to the folder")
    if ".." in Path(pattern.replace("\\", "/")).parts:
        raise ValueError(f"pattern {pattern!r} must stay inside the folder (no '..')")


def files_in(folder: Path, pattern: str) -> list[Path]:
    """Regular files matching ``pattern`` whose real path is inside ``folder`` (sorted).

    Checked again here, not only in the config: a symlink in the folder pointing to
    ``/etc`` must not make a poll read files outside the folder the admin named.
    """
    check_pattern(pattern)
    root = folder.resolve()
    found = []
    for path in folder.glob(pattern):
        real = path.resolve()
        if real.is_file() and real.is_relative_to(root):
            found.append(path)
    return sorted(found)


def _document(answer: Answer, *, page: int) -> Document:
    return Document(
        url=answer.url,
        body=answer.body,
        role="page_text",
        media_type=answer.media_type or "text/plain",
        charset=answer.charset,
        page=page,
    )


def _short_hash(documents: tuple[Document, ...]) -> str:
    digest = hashlib.sha256()
    for doc in documents:
        digest.update(hashlib.sha256(doc.body).digest())
    return digest.hexdigest()[:16]
