"""The ``pagetext`` kind: dated text URLs, conditional GET, and a folder of dropped files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from newsbot.errors import SourceError
from newsbot.sources import Fetched, NoIssue, NotModified, SourceState, build_source
from newsbot.testing.sites import FakeSite

from .helpers import FIXTURES, at, options, poll

DAY = date(2025, 5, 16)
NOW = at("2025-05-16 06:00")
PAGE1 = (FIXTURES.parent / "ywsb-2025-05-16-p1.txt").read_bytes()


def _source(site: FakeSite, *templates: str) -> object:
    urls = [site.url(t) for t in templates] or [site.url("/text/{date:%Y-%m-%d}/p1.txt")]
    return build_source(options("pagetext", urls=urls, paper="义乌商报"))


def test_dated_text_not_there_yet_is_no_issue(site: FakeSite) -> None:
    """A 404 on today's text URL means "not published yet", not a failure."""
    result = poll(_source(site), now=NOW)
    assert isinstance(result, NoIssue)
    assert "2025-05-16" in result.reason


def test_dated_text_appears_then_is_not_modified(site: FakeSite) -> None:
    """Once published the text is fetched whole; the next poll sends validators and gets 304."""
    source = _source(site)
    assert isinstance(poll(source, now=NOW), NoIssue)
    site.put("/text/2025-05-16/p1.txt", PAGE1, content_type="text/plain; charset=utf-8")
    first = poll(source, now=NOW)
    assert isinstance(first, Fetched)
    assert first.raw.issue_key == "2025-05-16"
    assert first.raw.issue_date == DAY
    assert first.raw.paper == "义乌商报"
    (doc,) = first.raw.documents
    assert (doc.body, doc.role, doc.page, doc.charset) == (PAGE1, "page_text", 1, "utf-8")
    state = SourceState.from_json(first.state.to_json())
    second = poll(source, state, now=NOW)
    assert isinstance(second, NotModified)
    assert site.hits("/text/2025-05-16/p1.txt")[-1].status == 304


def test_redirect_to_another_day_is_no_issue(site: FakeSite) -> None:
    """A redirect from today's URL to yesterday's text is "no issue today", not yesterday's text."""
    site.put("/text/2025-05-15/p1.txt", "昨天的版面", content_type="text/plain")
    site.redirect("/text/2025-05-16/p1.txt", "/text/2025-05-15/p1.txt")
    result = poll(_source(site), now=NOW)
    assert isinstance(result, NoIssue)
    assert "2025-05-15" in result.reason


def test_server_error_is_a_source_error(site: FakeSite) -> None:
    """A 500 is the source being broken, not "no issue"."""
    site.fail("/text/2025-05-16/p1.txt", status=500)
    with pytest.raises(SourceError, match="HTTP 500"):
        poll(_source(site), now=NOW)


def test_folder_dated_files_make_the_day_issue(tmp_path: Path) -> None:
    """Files named with a date belong to that day's issue; their page number comes from the name."""
    (tmp_path / "ywsb-2025-05-16-p1.txt").write_bytes(PAGE1)
    (tmp_path / "ywsb-2025-05-16-p2.txt").write_text("第二版", encoding="utf-8")
    (tmp_path / "ywsb-2025-05-15-p1.txt").write_text("昨天", encoding="utf-8")
    source = build_source(options("pagetext", folder=str(tmp_path)))
    result = poll(source, now=NOW)
    assert isinstance(result, Fetched)
    assert [d.page for d in result.raw.documents] == [1, 2]
    assert result.raw.documents[0].body == PAGE1
    assert isinstance(poll(source, result.state, now=NOW), NotModified)
    assert isinstance(poll(source, now=at("2025-05-17 06:00")), NoIssue)


def test_options_need_urls_or_folder() -> None:
    """A pagetext source with neither (or both) origins is refused at config time."""
    with pytest.raises(ValueError, match="either urls or folder"):
        options("pagetext")
