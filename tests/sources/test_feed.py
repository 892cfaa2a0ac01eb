"""The ``feed`` kind: whole feed bytes, conditional GET, and an issue key that follows entries."""

from __future__ import annotations

from datetime import date

import pytest

from newsbot.errors import SourceError
from newsbot.sources import Fetched, NoIssue, NotModified, build_source
from newsbot.sources.feed import feed_issue_key
from newsbot.testing.sites import FakeSite

from .helpers import CORPUS, at, options, poll

NOW = at("2025-05-16 12:00")
QQ = (CORPUS / "feeds/qq_news_china_gb2312_20180918.xml").read_bytes()


def _source(site: FakeSite, path: str = "/feed.xml") -> object:
    return build_source(options("feed", url=site.url(path)))


def test_real_gb2312_feed_is_fetched_whole_then_not_modified(site: FakeSite) -> None:
    """The document holds the feed's exact bytes; a second poll gets a 304."""
    site.put("/feed.xml", QQ, content_type="text/xml; charset=gb2312")
    source = _source(site)
    first = poll(source, now=NOW)
    assert isinstance(first, Fetched)
    (doc,) = first.raw.documents
    assert (doc.body, doc.role, doc.charset) == (QQ, "feed", "gb2312")
    assert first.raw.issue_key.startswith("feed:")
    assert isinstance(poll(source, first.state, now=NOW), NotModified)
    assert site.hits("/feed.xml")[-1].status == 304


def test_a_changed_feed_has_a_new_key(site: FakeSite) -> None:
    """A new entry changes the issue key; the same entries with new bytes are not new."""
    source = _source(site)
    site.publish_feed("/feed.xml", [("a1", "第一条"), ("a2", "第二条")])
    first = poll(source, now=NOW)
    assert isinstance(first, Fetched)
    site.publish_feed("/feed.xml", [("a1", "第一条"), ("a2", "第二条")], title="本地新闻（更新）")
    assert isinstance(poll(source, first.state, now=NOW), NotModified)
    site.publish_feed("/feed.xml", [("a3", "第三条"), ("a1", "第一条"), ("a2", "第二条")])
    second = poll(source, first.state, now=NOW)
    assert isinstance(second, Fetched)
    assert second.raw.issue_key != first.raw.issue_key


def test_a_page_that_is_not_a_feed_is_an_error(site: FakeSite) -> None:
    """An HTML page at the feed URL is a broken source, not an empty feed."""
    site.put(
        "/feed.xml", "<html><body><p>网站改版，敬请期待新的栏目与更多的精彩内容。</p></body></html>"
    )
    with pytest.raises(SourceError, match="not an RSS/Atom feed"):
        poll(_source(site), now=NOW)


def test_feeds_have_no_past_days(site: FakeSite) -> None:
    """Asking a feed for a past day (backfill) is "no issue", and costs no request."""
    result = poll(_source(site), now=NOW, day=date(2025, 5, 1))
    assert isinstance(result, NoIssue)
    assert site.requests == []


def test_issue_key_ignores_entry_order() -> None:
    """The key is a hash of the entry set: reordering entries does not make a new issue."""
    one = b"<rss version='2.0'><channel><item><guid>a</guid></item><item><guid>b</guid></item>"
    two = b"<rss version='2.0'><channel><item><guid>b</guid></item><item><guid>a</guid></item>"
    end = b"</channel></rss>"
    assert feed_issue_key(one + end, source="s", url="u") == feed_issue_key(
        two + end, source="s", url="u"
    )
