"""How fast a poll is, against the fake site on 127.0.0.1 (no politeness delay).

Run: .venv/bin/python bench/bench_poll.py

Measures: a full walk of a Founder-pc issue (8 pages, 80 articles), the conditional re-poll of
the same issue (a 304 on the front page), the "not yet" poll answered by period.xml, and the
pure page-index parsing and anti-bot check on a real page. Numbers are medians of repeats.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from newsbot._http import make_async_client
from newsbot.sources import (
    Fetched,
    HostLimiter,
    NoIssue,
    NotModified,
    SourceState,
    blocked_reason,
    build_source,
)
from newsbot.sources._html import parse_index
from newsbot.sources._presets import PRESETS
from newsbot.testing.sites import FakeArticle, FakePage, FakeSite

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2025, 5, 16)
NOW = datetime(2025, 5, 16, 6, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _pages() -> list[FakePage]:
    body = tuple(
        "本报讯 义乌国际商贸城今日客流创新高，市场经营户纷纷表示生意红火。" * 8 for _ in range(6)
    )
    return [
        FakePage(f"第{p}版", [FakeArticle(f"第{p}版第{i}篇报道", body) for i in range(10)])
        for p in range(1, 9)
    ]


def main() -> None:
    with FakeSite() as site:
        source = build_source(
            {
                "id": "bench",
                "kind": "epaper",
                "url": site.url("/layout/{date:%Y%m/%d}/node_01.html"),
                "min_interval_s": 0,
            }
        )
        source.limiter = HostLimiter(max_per_host=4)

        async def poll(state: SourceState) -> object:
            async with make_async_client() as client:
                return await source.poll(client, state, day=None, now=NOW)

        site.publish_founder_pc(date(2025, 5, 15), _pages())
        missing = asyncio.run(poll(SourceState()))
        assert isinstance(missing, NoIssue)
        not_yet = _median_ms(lambda: asyncio.run(poll(missing.state)), 20)
        site.publish_founder_pc(DAY, _pages())
        first = asyncio.run(poll(SourceState()))
        assert isinstance(first, Fetched)
        docs = len(first.raw.documents)
        walk = _median_ms(lambda: asyncio.run(poll(SourceState())), 5)
        again = asyncio.run(poll(first.state))
        assert isinstance(again, NotModified)
        repoll = _median_ms(lambda: asyncio.run(poll(first.state)), 20)
    page = (ROOT / "tests/fixtures/extract/epaper_html/srrb_20240101_node_2.htm").read_bytes()
    selectors = PRESETS["founder-classic"].selectors
    parse = _median_ms(lambda: parse_index(page, "http://a/html/node_2.htm", selectors), 200)
    check = _median_ms(lambda: blocked_reason(page, "text/html"), 200)
    print(f"full walk, 8 pages + 80 articles ({docs} documents): {walk:.1f} ms")
    print(f"re-poll of a stored issue (front page 304):         {repoll:.1f} ms")
    print(f"'not yet' poll answered by period.xml (304):        {not_yet:.1f} ms")
    print(f"parse_index on a 24 KB Founder-classic page:        {parse:.2f} ms")
    print(f"blocked_reason on the same page:                    {check:.2f} ms")


if __name__ == "__main__":
    main()
