"""Alert latency: from the poll that sees a new issue to the first alert at the platform.

A real ``newsbot run`` process (fresh SQLite file each run) polls a local Founder "pc"
replica (FakeSite: period.xml, ``--pages`` pages of 6 articles) with politeness on
(``--min-interval-s`` between two requests to the host, conditional GETs, jitter), and
alerts one subscriber through the WeCom look-alike (FakePlatforms, which refuses beyond 20
a minute). The rule matches an article of the front page. Measured per run: the seconds from
the start of the poll that found the issue (``issues.fetched_at``) to the moment the
look-alike accepted the first alert, and how many of the issue's requests the site had
served by then (the walk goes on after the alert).

Usage: .venv/bin/python bench/bench_latency.py [--runs 5] [--pages 8] [--min-interval-s 0.25]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from newsbot.store.db import make_engine
from newsbot.store.schema import upgrade
from newsbot.testing.platforms import KEY, FakePlatforms
from newsbot.testing.sites import FakeArticle, FakePage, FakeSite

ZONE = ZoneInfo("Asia/Shanghai")


def issue_pages(count: int) -> list[FakePage]:
    """``count`` pages of 6 articles; the front page's third one is about fraud."""
    pages = []
    for number in range(1, count + 1):
        articles = [
            FakeArticle(f"第{number}版第{n}条：商贸城动态", f"本报讯 第{number}版第{n}条正文。")
            for n in range(1, 7)
        ]
        if number == 1:
            articles[2] = FakeArticle(
                "警方提醒：谨防电信网络诈骗新套路", "本报讯 近日，警方破获一起电信网络诈骗案。"
            )
        pages.append(FakePage(f"第{number}版", articles))
    return pages


def write_config(folder: Path, site: FakeSite, fake: FakePlatforms, min_interval_s: float) -> Path:
    config = folder / "newsbot.yaml"
    config.write_text(
        f"""\
sources:
  - id: ywsb
    kind: epaper
    paper: 义乌商报
    preset: founder-pc
    url: "{site.url("/layout/{date:%Y%m/%d}/node_01.html")}"
    min_interval_s: {min_interval_s}
    schedule: {{window: "00:00-24:00"}}
channels:
  - id: wc
    kind: wecom
    url: {fake.base_url}/wecom/cgi-bin/webhook/send
    key: {{$env: BENCH_WECOM_KEY}}
subscribers:
  - id: chen
    channels: [wc]
    rules:
      - id: fraud
        match: 电信网络诈骗
        deliver: alert
""",
        encoding="utf-8",
    )
    return config


def one_run(pages: int, min_interval_s: float) -> tuple[float, int, int]:
    """(seconds to the first alert, requests served by then, requests of the whole poll)."""
    with tempfile.TemporaryDirectory() as tmp, FakeSite() as site, FakePlatforms() as fake:
        folder = Path(tmp)
        site.publish_founder_pc(datetime.now(ZONE).date(), issue_pages(pages))
        url = f"sqlite:///{folder / 'newsbot.db'}"
        engine = make_engine(url)
        upgrade(engine)
        config = write_config(folder, site, fake, min_interval_s)
        env = {**os.environ, "NEWSBOT_DATABASE_URL": url, "BENCH_WECOM_KEY": KEY}
        command = [sys.executable, "-m", "newsbot", "--config", str(config), "run"]
        process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        try:
            give_up = time.monotonic() + 120
            while fake.count("wecom") == 0 and time.monotonic() < give_up:
                time.sleep(0.002)
            arrived = datetime.now(UTC)
            served_then = len(site.requests)
            total = pages * 7 + 1  # period.xml, every page, every article
            while len(site.requests) < total and time.monotonic() < give_up:
                time.sleep(0.05)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        with engine.connect() as connection:
            seen = connection.execute(text("SELECT min(fetched_at) FROM issues")).scalar_one()
        engine.dispose()
    seen_at = datetime.fromisoformat(str(seen)).replace(tzinfo=UTC)
    return (arrived - seen_at).total_seconds(), served_then, len(site.requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--min-interval-s", type=float, default=0.25)
    args = parser.parse_args()
    results = [one_run(args.pages, args.min_interval_s) for _ in range(args.runs)]
    for seconds, served, total in results:
        print(f"first alert {seconds:.2f} s after the poll began; site had served {served}/{total}")
    latencies = [r[0] for r in results]
    print(
        f"{args.pages} pages, min_interval_s {args.min_interval_s}: first alert median "
        f"{statistics.median(latencies):.2f} s, max {max(latencies):.2f} s over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
