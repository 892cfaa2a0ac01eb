"""Benchmark: extract an 8-page issue (page text), plus a 32-article HTML page and a feed.

Usage::

    .venv/bin/python bench/bench_extract.py              # 20 warm runs
    .venv/bin/python bench/bench_extract.py --runs 50
    .venv/bin/python bench/bench_extract.py --cold 7     # fresh `newsbot extract` processes

The 8 pages are the real sample front page (pages 1-4, 6-8, each ~15 KB with 7 articles)
and the synthetic inner page 5 that continues page 1's first article, so joining runs too.
jieba's dictionary is loaded first and timed on its own (once per process); then each
input's first run and warm runs, which are what a long-running poller pays per issue.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from newsbot.extract import extract, load_topics
from newsbot.models import Document, RawIssue

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLE = FIXTURES / "ywsb-2025-05-16-p1.txt"
PAGE5 = FIXTURES / "extract" / "page_text" / "synthetic_jhwb_2024-03-08_p5.txt"
FRAGMENTS = FIXTURES / "extract" / "epaper_html" / "hubeidaily_20230211_fragments.html"
FEED = FIXTURES / "extract" / "feeds" / "qq_news_china_gb2312_20180918.xml"


def eight_pages() -> RawIssue:
    """An 8-page raw issue of page text."""
    docs = []
    for page in range(1, 9):
        body = PAGE5.read_bytes() if page == 5 else SAMPLE.read_bytes()
        docs.append(Document(f"p{page}.txt", body, role="page_text", page=page))
    return RawIssue("bench", "2025-05-16", tuple(docs))


def timed(raw: RawIssue, runs: int) -> tuple[float, list[float], int]:
    """(cold seconds, warm seconds per run, articles) for extracting ``raw``."""
    topics = load_topics(ROOT / "config" / "topics.yaml")
    started = time.perf_counter()
    issue = extract(raw, topics=topics)
    cold = time.perf_counter() - started
    warm = []
    for _ in range(runs):
        started = time.perf_counter()
        extract(raw, topics=topics)
        warm.append(time.perf_counter() - started)
    return cold, warm, len(issue.articles)


def cold_start(runs: int) -> None:
    """Fresh processes, as a user runs them: median wall time of each command, in one run."""
    newsbot = str(Path(sys.executable).with_name("newsbot"))
    commands = {
        "newsbot --help": [newsbot, "--help"],
        "newsbot extract PAGE": [newsbot, "extract", str(SAMPLE)],
        "newsbot extract PAGE --keywords": [newsbot, "extract", str(SAMPLE), "--keywords"],
    }
    for name, command in commands.items():
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            timings.append(time.perf_counter() - started)
        print(
            f"{name}: median {statistics.median(timings) * 1000:.0f} ms,"
            f" min {min(timings) * 1000:.0f} ms over {runs} fresh processes"
        )


def main() -> None:
    """Run the benchmark and print one line per input."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--cold", type=int, metavar="N", help="only time N fresh processes")
    args = parser.parse_args()
    if args.cold:
        cold_start(args.cold)
        return
    print(f"python {platform.python_version()} on {platform.machine()}, {args.runs} warm runs")
    from newsbot.extract._keywords import keywords_for

    started = time.perf_counter()
    keywords_for("预热", "加载词典。")
    print(f"jieba load: {(time.perf_counter() - started) * 1000:.0f} ms (once per process)")
    inputs = {
        "8-page issue (page text)": eight_pages(),
        "32 Founder pc articles (HTML)": RawIssue(
            "b", "k", (Document("f.html", FRAGMENTS.read_bytes(), role="article_page"),)
        ),
        "20-entry GB2312 feed": RawIssue("b", "k", (Document("f.xml", FEED.read_bytes(), "feed"),)),
    }
    for name, raw in inputs.items():
        cold, warm, articles = timed(raw, args.runs)
        print(
            f"{name}: {articles} articles; first run {cold * 1000:.0f} ms;"
            f" warm median {statistics.median(warm) * 1000:.0f} ms,"
            f" max {max(warm) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
