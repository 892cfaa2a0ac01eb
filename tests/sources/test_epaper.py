"""The ``epaper`` kind against a Founder-pc shaped site that publishes over (simulated) time."""

from __future__ import annotations

from datetime import date

import pytest

from newsbot.errors import SourceBlockedError, SourceError
from newsbot.sources import Fetched, NoIssue, NotModified, SourceState, build_source
from newsbot.sources.epaper import EpaperSource
from newsbot.testing.sites import FakeArticle, FakePage, FakeSite

from .helpers import CORPUS, at, options, poll

DAY = date(2025, 5, 16)
NOW = at("2025-05-16 06:00")
NODE = "/layout/202505/16/node_01.html"

PAGES = [
    FakePage(
        "要闻",
        [
            FakeArticle("义乌国际商贸城迎来客流高峰", ("本报讯 昨日……", "二段")),
            FakeArticle("小商品出口增长", "正文"),
        ],
        pdf=b"%PDF-1.4 page one",
    ),
    FakePage("综合", [FakeArticle("稠州路改造完工", "正文三")]),
    FakePage(
        "文化", [FakeArticle("佛堂古镇迎客", "正文四"), FakeArticle("义乌剧院上演越剧", "正文五")]
    ),
]


def _source(site: FakeSite, **extra: object) -> EpaperSource:
    source = build_source(
        options(
            "epaper", url=site.url("/layout/{date:%Y%m/%d}/node_01.html"), paper="义乌商报", **extra
        )
    )
    assert isinstance(source, EpaperSource)
    return source


def test_issue_not_there_then_published_then_not_modified(site: FakeSite) -> None:
    """Today's 404 is "no issue yet"; once out, every page and article is fetched; then 304."""
    source = _source(site)
    waiting = poll(source, now=NOW)
    assert isinstance(waiting, NoIssue)
    assert "2025-05-16" in waiting.reason
    site.publish_founder_pc(DAY, PAGES)
    result = poll(source, waiting.state, now=NOW)
    assert isinstance(result, Fetched)
    raw = result.raw
    assert (raw.issue_key, raw.issue_date, raw.paper) == ("2025-05-16", DAY, "义乌商报")
    roles = [(d.role, d.page, d.page_name) for d in raw.documents]
    assert roles[:3] == [
        ("page_index", 1, "要闻"),
        ("page_index", 2, "综合"),
        ("page_index", 3, "文化"),
    ]
    articles = [d for d in raw.documents if d.role == "article_page"]
    assert len(articles) == 5  # the 本版责编 entries are not articles and were not fetched
    assert [d.page for d in articles] == [1, 1, 2, 3, 3]
    assert "义乌国际商贸城迎来客流高峰" in articles[0].body.decode()
    assert not any(r.path.endswith("99.html") for r in site.requests)
    state = SourceState.from_json(result.state.to_json())
    again = poll(source, state, now=at("2025-05-16 06:15"))
    assert isinstance(again, NotModified)
    assert site.hits(NODE)[-1].status == 304


def test_period_xml_answers_before_the_front_page_is_asked(site: FakeSite) -> None:
    """While period.xml does not list the day, the front page is never requested."""
    site.publish_founder_pc(date(2025, 5, 15), PAGES)
    source = _source(site)
    first = poll(source, now=NOW)
    assert isinstance(first, NoIssue)
    assert "period.xml" in first.reason
    second = poll(source, first.state, now=at("2025-05-16 06:15"))
    assert isinstance(second, NoIssue)
    assert site.hits("/layout/202505/period.xml")[-1].status == 304
    assert site.hits(NODE) == []
    site.publish_founder_pc(DAY, PAGES)
    assert isinstance(poll(source, second.state, now=at("2025-05-16 06:30")), Fetched)


def test_corrected_republish_is_fetched_again_with_new_bytes(site: FakeSite) -> None:
    """A re-published issue comes back as Fetched with the corrected article, same issue key."""
    site.publish_founder_pc(DAY, PAGES)
    source = _source(site)
    first = poll(source, now=NOW)
    assert isinstance(first, Fetched)
    corrected = [
        FakePage(
            PAGES[0].name, [PAGES[0].articles[0], FakeArticle("小商品出口增长", "更正后的正文")]
        ),
        *PAGES[1:],
    ]
    site.publish_founder_pc(DAY, corrected)
    second = poll(source, first.state, now=at("2025-05-16 07:00"))
    assert isinstance(second, Fetched)
    assert second.raw.issue_key == first.raw.issue_key
    bodies = b"".join(d.body for d in second.raw.documents)
    assert "更正后的正文".encode() in bodies


def test_same_bytes_republished_is_not_modified(site: FakeSite) -> None:
    """Re-publishing identical bytes (new validators, same content) is not a new issue."""
    site.publish_founder_pc(DAY, PAGES)
    source = _source(site)
    first = poll(source, now=NOW)
    assert isinstance(first, Fetched)
    site.publish_founder_pc(DAY, PAGES)
    assert isinstance(poll(source, first.state, now=at("2025-05-16 07:00")), NotModified)


def test_redirect_to_yesterday_is_no_issue(site: FakeSite) -> None:
    """Today's front page redirecting to yesterday's issue means "no issue today"."""
    site.publish_founder_pc(date(2025, 5, 15), PAGES, period_xml=False)
    site.redirect(NODE, "/layout/202505/15/node_01.html")
    result = poll(_source(site), now=NOW)
    assert isinstance(result, NoIssue)
    assert "2025-05-15" in result.reason


def test_empty_index_is_no_issue_but_unmatched_full_page_is_an_error(site: FakeSite) -> None:
    """A near-empty index means "not yet"; a full page whose links no selector finds is broken."""
    site.put(NODE, "<html><body><p>本期暂未发布</p></body></html>")
    assert isinstance(poll(_source(site), now=NOW), NoIssue)
    links = "".join(f'<a href="/x{i}">栏目{i}：今日新闻导读与更多内容</a>' for i in range(30))
    site.put(NODE, f"<html><body><div class='new-layout'>{links}</div></body></html>")
    with pytest.raises(SourceError, match="did the site change"):
        poll(_source(site), now=NOW)


def test_gbk_site_is_walked_and_keeps_its_bytes(site: FakeSite) -> None:
    """A GBK-encoded site is walked (Chinese link texts read right); documents keep raw bytes."""
    site.publish_founder_pc(DAY, PAGES, encoding="gbk")
    result = poll(_source(site), now=NOW)
    assert isinstance(result, Fetched)
    first = result.raw.documents[0]
    assert (first.charset, first.page_name) == ("gbk", "要闻")
    article = next(d for d in result.raw.documents if d.role == "article_page")
    assert "义乌国际商贸城".encode("gbk") in article.body


def test_blocked_front_page_raises_blocked(site: FakeSite) -> None:
    """An anti-bot challenge instead of the index is "blocked", never an empty issue."""
    site.put(NODE, (CORPUS / "epaper_html/blocked_ts_challenge.html").read_bytes(), status=412)
    with pytest.raises(SourceBlockedError, match="瑞数"):
        poll(_source(site), now=NOW)


def test_server_error_on_an_article_fails_the_poll(site: FakeSite) -> None:
    """A 500 on one article is a broken source (retried later), not a partial issue."""
    site.publish_founder_pc(DAY, PAGES)
    site.fail("/content/202505/16/content_201.html", status=500)
    with pytest.raises(SourceError, match="HTTP 500"):
        poll(_source(site), now=NOW)


def test_pdfs_are_fetched_when_asked(site: FakeSite) -> None:
    """With fetch_pdfs, each page's PDF (found by the preset's selector) becomes page text."""
    site.publish_founder_pc(DAY, PAGES)
    result = poll(_source(site, fetch_pdfs=True), now=NOW)
    assert isinstance(result, Fetched)
    pdfs = [d for d in result.raw.documents if d.media_type == "application/pdf"]
    assert [(d.role, d.page, d.body) for d in pdfs] == [("page_text", 1, b"%PDF-1.4 page one")]


def test_an_explicit_past_day_is_fetched(site: FakeSite) -> None:
    """``day=`` asks for that date's issue (backfill), whatever today is."""
    site.publish_founder_pc(date(2025, 5, 10), PAGES)
    result = poll(_source(site), now=NOW, day=date(2025, 5, 10))
    assert isinstance(result, Fetched)
    assert result.raw.issue_key == "2025-05-10"


def test_selectors_can_be_overridden() -> None:
    """An admin's selector replaces the preset's; the others stay."""
    opts = options("epaper", url="http://x/{date:%Y}/a.html", selectors={"articles": "ul a"})
    assert opts.effective_selectors.articles == "ul a"
    assert opts.effective_selectors.pages == "ul#layoutlist li.posRelative a"
    with pytest.raises(ValueError, match="unknown preset"):
        options("epaper", url="http://x/", preset="nope")


def test_state_keeps_only_the_current_days_validators(site: FakeSite) -> None:
    """Validators of past days' URLs are dropped, so the stored state does not grow daily."""
    source = _source(site)
    state = SourceState()
    for day in (14, 15, 16):
        site.publish_founder_pc(date(2025, 5, day), PAGES)
        result = poll(source, state, now=at(f"2025-05-{day} 06:00"))
        assert isinstance(result, Fetched)
        state = result.state
    assert list(state.validators) == [site.url(NODE)]


def test_founder_classic_entry_page_leads_to_the_issue(site: FakeSite) -> None:
    """An undated paperindex.htm's meta refresh is followed; the issue date comes from its URL."""
    page = (CORPUS / "epaper_html/kjrb_20230210_node_2.htm").read_bytes()
    site.put("/kjrb/html/2025-05/16/node_2.htm", page)
    site.put("/kjrb/html/2025-05/16/content_548643.htm", "<html><body>文章</body></html>")
    refresh = '<html><head><meta http-equiv="refresh" content="0; url=html/2025-05/16/node_2.htm">'
    site.put("/kjrb/paperindex.htm", refresh)
    source = build_source(
        options("epaper", url=site.url("/kjrb/paperindex.htm"), preset="founder-classic")
    )
    result = poll(source, now=NOW)
    assert isinstance(result, Fetched)
    assert (result.raw.issue_key, result.raw.issue_date) == ("2025-05-16", DAY)
    assert result.raw.documents[0].url == site.url("/kjrb/html/2025-05/16/node_2.htm")
    articles = [d for d in result.raw.documents if d.role == "article_page"]
    assert [d.body for d in articles] == ["<html><body>文章</body></html>".encode()]
    assert isinstance(poll(source, result.state, now=NOW), NotModified)


def test_an_issue_taken_down_is_no_issue_again(site: FakeSite) -> None:
    """When a site withdraws an issue (404, period.xml forgets it), the day has no issue."""
    site.publish_founder_pc(date(2025, 5, 15), PAGES)
    site.publish_founder_pc(DAY, PAGES)
    site.unpublish_founder_pc(DAY)
    result = poll(_source(site), now=NOW)
    assert isinstance(result, NoIssue)
    assert "period.xml" in result.reason
