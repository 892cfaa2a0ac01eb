"""The console's issue page links each e-paper page and its PDF, over plain HTTP.

A poll stores an issue of a Founder "pc" replica (FakeSite on 127.0.0.1) into a real
SQLite file; a real `newsbot run --http` on that database serves the console.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from tests.web.server import RunningNewsbot, newsbot_env

from newsbot.config import load_settings
from newsbot.pipeline import App, poll_source
from newsbot.store.db import make_engine
from newsbot.store.schema import upgrade
from newsbot.testing.sites import FakeArticle, FakePage, FakeSite

DAY = date(2025, 5, 16)
PAGES = [
    FakePage(
        "要闻",
        [FakeArticle("警方提醒：谨防电信网络诈骗", "本报讯 警方破获一起诈骗案。")],
        b"%PDF-1",
    ),
    FakePage("综合", [FakeArticle("稠州路改造完工", "本报讯 稠州路改造工程完工通车。")]),
    FakePage("广告", [], b"%PDF-3"),
]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[FakeSite, RunningNewsbot]]:
    """The replica with one issue polled into the database, and the console serving it."""
    with FakeSite() as site:
        site.publish_founder_pc(DAY, PAGES)
        template = site.url("/layout/{date:%Y%m/%d}/node_01.html")
        config = tmp_path / "newsbot.yaml"
        config.write_text(
            f'sources:\n  - {{id: ywsb, kind: epaper, paper: 义乌商报, url: "{template}",'
            " min_interval_s: 0}\n",
            encoding="utf-8",
        )
        database_url = f"sqlite:///{tmp_path / 'newsbot.db'}"
        engine = make_engine(database_url)
        upgrade(engine)
        report = asyncio.run(poll_source(App(load_settings(config), engine), "ywsb", day=DAY))
        engine.dispose()
        assert report.outcome == "new", report
        env = newsbot_env(database_url)
        run = RunningNewsbot(tmp_path, config, env).start()
        try:
            yield site, run
        finally:
            run.stop()


@pytest.mark.slow
def test_issue_page_links_each_page_and_its_pdf(served: tuple[FakeSite, RunningNewsbot]) -> None:
    """Every page of the issue is listed (an article-less advert page too) with a link to its
    page index, and a `page PDF` link exactly where the page has a PDF."""
    site, run = served
    overview = run.get("/")
    (issue_path,) = set(re.findall(r'href="(/issues/\d+)"', overview.text))
    page = run.get(issue_path)
    assert page.status_code == 200
    sections = page.text.split('<section class="page">')[1:]
    assert len(sections) == 3
    for number, section in enumerate(sections, start=1):
        heading = unescape(re.sub(r"<[^>]+>", "", section.split("</h2>")[0])).strip()
        assert heading == f"第{number:02d}版 · {PAGES[number - 1].name}"
        node = site.url(f"/layout/202505/16/node_{number:02d}.html")
        assert f'href="{node}"' in section
        pdf = site.url(f"/attachement/202505/16/page_{number:02d}.pdf")
        assert (f'href="{pdf}"' in section) == (PAGES[number - 1].pdf is not None)
        assert ("page PDF" in section) == (PAGES[number - 1].pdf is not None)
    assert "警方提醒" in sections[0]
    assert "No articles on this page." in sections[2]
