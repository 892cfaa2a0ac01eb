"""A site's ``javascript:``/``data:``/``vbscript:`` link never reaches the database, a message
or the console: extraction keeps only absolute http(s) article links."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select
from tests.web.server import AsgiClient

from newsbot.config import load_settings
from newsbot.extract import extract_document
from newsbot.models import Document
from newsbot.pipeline import App, poll_source, send_due
from newsbot.store.db import make_engine
from newsbot.store.schema import upgrade
from newsbot.store.tables import ArticleRow
from newsbot.testing.sites import FakeSite

HOSTILE = ("javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)")
FORBIDDEN = ("javascript:", "data:text", "vbscript:")
# Each entry names 诈骗 so the subscriber's rule matches all three and alerts them.
ENTRIES = [
    ("全市开展电信网络诈骗专项整治行动", "本报讯 昨日，全市电信网络诈骗专项整治行动启动。"),
    ("警方破获一起跨境诈骗案件", "本报讯 警方近日破获一起跨境诈骗案件，抓获嫌疑人十名。"),
    ("银行提醒市民谨防养老诈骗", "本报讯 多家银行提醒老年人谨防以养老为名的诈骗。"),
]

CONFIG = """\
sources:
  - id: hostile
    kind: feed
    url: "{url}"
    min_interval_s: 0
channels:
  - id: sink
    kind: file
    path: {sink}
subscribers:
  - id: merchant-chen
    channels: [sink]
    rules:
      - id: fraud
        match: 诈骗
        deliver: alert
"""


def hostile_feed() -> str:
    """RSS 2.0 whose entries link to script and data URLs."""
    items = "".join(
        f"<item><guid>g{n}</guid><title>{title}</title><link>{html.escape(link)}</link>"
        f"<description>{body}</description></item>"
        for n, ((title, body), link) in enumerate(zip(ENTRIES, HOSTILE, strict=True))
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>本地新闻</title><link>http://127.0.0.1/</link>{items}</channel></rss>"
    )


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    """An App whose one feed source, on a real 127.0.0.1 server, serves ``hostile_feed``."""
    monkeypatch.chdir(tmp_path)
    with FakeSite() as site:
        site.put("/feed.xml", hostile_feed(), content_type="application/rss+xml; charset=utf-8")
        config = tmp_path / "newsbot.yaml"
        text = CONFIG.format(url=site.url("/feed.xml"), sink=tmp_path / "sink.txt")
        config.write_text(text, encoding="utf-8")
        engine = make_engine(f"sqlite:///{tmp_path / 'newsbot.db'}")
        upgrade(engine)
        now = datetime(2025, 5, 16, 2, 0, tzinfo=UTC)
        yield App(load_settings(config, environ={}), engine, clock=lambda: now)
        engine.dispose()


def test_a_hostile_feed_stores_and_sends_no_script_link(app: App, tmp_path: Path) -> None:
    """Entries linking to javascript:/data:/vbscript: are stored without a URL, alerted without
    a link, and the console's issue and article pages link nowhere but http(s)."""
    report = asyncio.run(poll_source(app, "hostile"))
    assert report.articles_new == len(ENTRIES), report
    asyncio.run(send_due(app))
    with Session(app.engine) as session:
        rows = list(session.exec(select(ArticleRow)).all())
    assert sorted(r.headline for r in rows) == sorted(t for t, _ in ENTRIES)
    assert [r.url for r in rows] == [None] * len(ENTRIES)
    sent = (tmp_path / "sink.txt").read_text(encoding="utf-8")
    assert all(title in sent for title, _ in ENTRIES)  # the alerts went out
    from newsbot.web import create_app

    client = AsgiClient(create_app(app))
    pages = [client.get(f"/issues/{rows[0].issue_id}")]
    pages += [client.get(f"/articles/{r.id}") for r in rows]
    assert [p.status_code for p in pages] == [200] * len(pages)
    for shown in [sent, *(p.text for p in pages)]:
        assert not any(bad in shown.lower() for bad in FORBIDDEN), shown


def test_the_feed_reading_names_the_document_and_the_schemes_it_dropped() -> None:
    """The warning names the feed and the schemes, never the hostile link itself."""
    url = "http://127.0.0.1:9/feed.xml"
    issue = extract_document(Document(url, hostile_feed().encode(), role="feed"))
    assert [a.url for a in issue.articles] == [None] * len(ENTRIES)
    (warning,) = [w for w in issue.warnings if "not http(s)" in w]
    assert warning.startswith(url)
    assert all(scheme in warning for scheme in ("javascript", "data", "vbscript"))
    assert "alert" not in warning


def test_a_feed_entry_with_a_relative_link_gets_the_feed_address() -> None:
    """A relative entry link is resolved against the feed's URL, not dropped."""
    feed = hostile_feed().replace(html.escape(HOSTILE[0]), "/news/1.html")
    issue = extract_document(Document("http://127.0.0.1:9/rss/feed.xml", feed.encode(), "feed"))
    assert issue.articles[0].url == "http://127.0.0.1:9/news/1.html"


@pytest.mark.parametrize("claimed", HOSTILE)
def test_an_article_page_claiming_a_script_url_keeps_its_own(claimed: str) -> None:
    """An article page whose enpproperty <url> is a script link is stored at its own URL."""
    page_url = "http://paper.example.cn/pc/content/202505/16/content_1001.html"
    body = (
        "<html><head><title>全市开展电信网络诈骗专项整治行动</title></head><body>"
        "<div class='article'><h1>全市开展电信网络诈骗专项整治行动</h1>"
        f"<p>{ENTRIES[0][1] * 3}</p><p>{ENTRIES[1][1] * 3}</p></div>"
        "</body></html>"
        f"<!--enpproperty <url>{html.escape(claimed)}</url>"
        "<title>全市开展电信网络诈骗专项整治行动</title>/enpproperty-->"
    )
    issue = extract_document(Document(page_url, body.encode(), role="article_page"))
    (article,) = issue.articles
    assert article.url == page_url


def test_the_console_links_no_script_url_stored_before_the_check(app: App) -> None:
    """A row stored by an older newsbot, still holding a javascript: URL, is shown unlinked."""
    asyncio.run(poll_source(app, "hostile"))
    with Session(app.engine) as session:
        row = session.exec(select(ArticleRow)).first()
        assert row is not None
        row.url = HOSTILE[0]  # what the database of an older version holds
        session.add(row)
        session.commit()
        session.refresh(row)
    from newsbot.web import create_app

    client = AsgiClient(create_app(app))
    for page in (client.get(f"/articles/{row.id}"), client.get(f"/issues/{row.issue_id}")):
        assert page.status_code == 200
        assert row.headline in page.text
        assert "javascript:" not in page.text.lower()
