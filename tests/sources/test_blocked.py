"""Anti-bot walls are recognised as such, and real pages and feeds are not."""

from __future__ import annotations

import pytest

from newsbot.sources import blocked_reason

from .helpers import CORPUS


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("epaper_html/blocked_ts_challenge.html", "瑞数 $_ts JavaScript challenge"),
        ("epaper_html/blocked_slider_captcha.html", "slider captcha"),
    ],
)
def test_corpus_walls_are_blocked(name: str, reason: str) -> None:
    """The 瑞数 challenge and the slider captcha collected from real e-paper sites are walls."""
    assert blocked_reason((CORPUS / name).read_bytes(), "text/html") == reason


@pytest.mark.parametrize(
    "name",
    [
        "epaper_html/kjrb_20230210_node_2.htm",
        "epaper_html/srrb_20240101_node_2.htm",
        "epaper_html/yyrb_20070708_node_1.html",
        "epaper_html/rmrb_crawler_index.html",
        "epaper_html/taigu_article_body.html",
    ],
)
def test_real_pages_are_not_blocked(name: str) -> None:
    """Real e-paper pages (scripts and all) are content, not walls."""
    assert blocked_reason((CORPUS / name).read_bytes(), "text/html") is None


def test_feeds_and_text_are_never_walls() -> None:
    """Only HTML is checked: a feed or page text mentioning captcha is just content."""
    feed = (CORPUS / "feeds/qq_news_china_gb2312_20180918.xml").read_bytes()
    assert blocked_reason(feed, "text/xml") is None
    assert blocked_reason(b"<p>captcha.css</p>", "text/plain") is None


def test_script_only_page_and_refresh_to_a_check_are_walls() -> None:
    """A tiny page that only runs a script, or refreshes to a verification URL, is a wall."""
    script_only = b"<html><head><script src='/a8f3.js'></script></head><body></body></html>"
    assert blocked_reason(script_only) == "script-only page with no content"
    refresh = b'<html><head><meta http-equiv="refresh" content="0;url=/verify?id=9"></head></html>'
    assert blocked_reason(refresh) == "meta refresh to a verification page"
    paperindex = b'<html><head><meta http-equiv="refresh" content="0;url=html/node_2.htm"></head>'
    assert blocked_reason(paperindex) is None


def test_markers_only_ignores_the_guesses() -> None:
    """With markers_only (error pages), a script-only page is not a wall; a 瑞数 page still is."""
    script_only = b"<html><head><script src='/a8f3.js'></script></head><body></body></html>"
    assert blocked_reason(script_only, markers_only=True) is None
    ts = (CORPUS / "epaper_html/blocked_ts_challenge.html").read_bytes()
    assert blocked_reason(ts, markers_only=True) == "瑞数 $_ts JavaScript challenge"
