"""The early hand-over's cost: one poll of a new issue whose front page has N articles.

A Founder "pc" replica (FakeSite) on 127.0.0.1 without politeness waits, a real SQLite file,
one alert rule that every article matches; prints the poll's wall and CPU time. The first
poll of a process pays jieba's dictionary load (~1.3 s): give one count per process to
compare counts. Usage::

    .venv/bin/python bench/bench_handover.py 60
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from newsbot.config import load_settings
from newsbot.pipeline import App, poll_source
from newsbot.store.db import make_engine
from newsbot.store.schema import upgrade
from newsbot.testing.sites import FakeArticle, FakePage, FakeSite

DAY = date(2025, 5, 16)
CONFIG = """\
sources:
  - id: s
    kind: epaper
    preset: founder-pc
    url: "{url}"
    min_interval_s: 0
channels:
  - id: box
    kind: file
    path: {folder}/box.txt
subscribers:
  - id: a
    channels: [box]
    rules:
      - id: r
        match: '电信网络诈骗'
        deliver: alert
"""


def poll_once(articles: int) -> str:
    """One poll of a fresh issue with ``articles`` on its front page; a line of results."""
    front = [
        FakeArticle(f"第{n}条：商贸城电信网络诈骗动态", f"本报讯 第{n}条正文，客流创新高。" * 20)
        for n in range(articles)
    ]
    with FakeSite() as site, tempfile.TemporaryDirectory() as folder:
        site.publish_founder_pc(DAY, [FakePage("要闻", front), FakePage("综合", front[:3])])
        config = Path(folder) / "newsbot.yaml"
        url = site.url("/layout/{date:%Y%m/%d}/node_01.html")
        config.write_text(CONFIG.format(url=url, folder=folder), encoding="utf-8")
        engine = make_engine(f"sqlite:///{folder}/newsbot.db")
        upgrade(engine)
        app = App(load_settings(config), engine)
        wall, cpu = time.perf_counter(), time.process_time()
        report = asyncio.run(poll_source(app, "s", day=DAY, wake=lambda: None))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        engine.dispose()
    return (
        f"{articles:4d} front-page articles: {report.outcome}, {report.articles_new} stored, "
        f"{report.alerts} alerts, {wall:.2f} s wall, {cpu:.2f} s CPU"
    )


if __name__ == "__main__":
    for count in [int(arg) for arg in sys.argv[1:]] or [20, 60]:
        print(poll_once(count))
