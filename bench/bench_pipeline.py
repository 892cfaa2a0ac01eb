"""End-to-end: an 8-page issue served on 127.0.0.1, polled, extracted, stored, matched, queued.

Measures each stage of ``poll_source`` on a real SQLite file with N subscribers (default
10,000, two rules each), then sends every queued message to file sinks through the outbox.
What a process pays once (config sync, matcher compile, jieba's dictionary) is timed on its
own line, as a running service pays it at start; poll→queue is then one issue's work.

Usage::

    .venv/bin/python bench/bench_pipeline.py [--subscribers 10000] [--pages 8]
    .venv/bin/python bench/bench_pipeline.py --profile var/poll.prof --skip-send
    .venv/bin/python -m pstats var/poll.prof      # sort tottime / stats 25
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import random
import re
import resource
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from newsbot.config import Subscriber, SubscriberSettings, load_settings
from newsbot.demo import SAMPLE_DATE
from newsbot.extract._keywords import keywords_for
from newsbot.match import RuleSpec
from newsbot.pipeline import App, poll_source, send_due
from newsbot.resources import SAMPLE_ISSUE, sample_config
from newsbot.store.db import make_engine
from newsbot.store.schema import upgrade
from newsbot.testing.sites import FakeSite

TERMS = [
    "电信网络诈骗",
    "反洗钱",
    "跨境电商",
    "对接会",
    "展会",
    "集成电路",
    "人大",
    "摩洛哥",
    "芯片",
    "技能",
]


def make_pages(count: int) -> dict[str, bytes]:
    """``count`` page texts: the sample page, its headlines varied so every page is distinct."""
    text = SAMPLE_ISSUE.read_text(encoding="utf-8")
    pages = {}
    for number in range(1, count + 1):
        varied = re.sub(r"(本报讯)", rf"\1（第{number}版）", text)
        pages[f"/2025-05-16/p{number}.txt"] = varied.encode("utf-8")
    return pages


def build_app(folder: Path, base_url: str, pages: int, subscribers: int) -> App:
    from newsbot.channels import CHANNEL_KINDS
    from newsbot.sources import SOURCE_KINDS

    settings = load_settings(sample_config(), environ={})
    urls = [f"{base_url}/{{date:%Y-%m-%d}}/p{n}.txt" for n in range(1, pages + 1)]
    source = SOURCE_KINDS["pagetext"].Options.model_validate(
        {"id": "ywsb", "kind": "pagetext", "paper": "义乌商报", "urls": urls, "min_interval_s": 0}
    )
    sink = {"id": "sink", "kind": "file", "path": str(folder / "sink.txt")}
    rng = random.Random(7)
    people: dict[str, Subscriber] = {}
    for i in range(subscribers):
        sid = f"s{i}"
        picked = rng.sample(TERMS, 2)
        rules = (
            RuleSpec(id=f"{sid}/a", subscriber_id=sid, query=picked[0], mode="alert"),
            RuleSpec(id=f"{sid}/d", subscriber_id=sid, any=(picked[1],), mode="digest"),
        )
        people[sid] = Subscriber(SubscriberSettings(id=sid, channels=("sink",)), rules)
    settings = replace(
        settings,
        sources={"ywsb": source},
        source_references={"ywsb": {"id": "ywsb"}},
        channels={"sink": CHANNEL_KINDS["file"].Options.model_validate(sink)},
        channel_references={"sink": sink},
        subscribers=people,
        admin=settings.admin.model_copy(update={"channel": None}),
    )
    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    upgrade(engine)
    return App(settings, engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--profile", metavar="FILE", help="cProfile poll→queue into FILE")
    parser.add_argument("--skip-send", action="store_true", help="stop after poll→queue")
    args = parser.parse_args()
    with FakeSite() as site, tempfile.TemporaryDirectory() as tmp:
        for path, body in make_pages(args.pages).items():
            site.put(path, body, content_type="text/plain; charset=utf-8")
        base_url = site.base_url
        app = build_app(Path(tmp), base_url, args.pages, args.subscribers)
        t0 = time.perf_counter()
        app.sync_config()
        t1 = time.perf_counter()
        _ = app.matcher
        t2 = time.perf_counter()
        keywords_for("对接会", "跨境电商对接会")  # loads jieba's dictionary, once per process
        t2b, cpu = time.perf_counter(), time.process_time()
        profile = cProfile.Profile() if args.profile else None
        if profile is not None:
            profile.enable()
        report = asyncio.run(poll_source(app, "ywsb", day=SAMPLE_DATE))
        if profile is not None:
            profile.disable()
            profile.dump_stats(args.profile)
        t3, poll_cpu_s = time.perf_counter(), time.process_time() - cpu
        sent = 0 if args.skip_send else asyncio.run(send_due(app, limit=1_000_000)).sent
        t4 = time.perf_counter()
        again = asyncio.run(poll_source(app, "ywsb", day=SAMPLE_DATE))
        t5 = time.perf_counter()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"subscribers={args.subscribers} rules={2 * args.subscribers} pages={args.pages}")
    print(f"config sync to SQLite:          {t1 - t0:8.2f} s")
    print(f"matcher compile:                {t2 - t1:8.2f} s")
    print(f"jieba dictionary load:          {t2b - t2:8.2f} s")
    print(
        f"poll+extract+store+match+queue: {t3 - t2b:8.2f} s  ({poll_cpu_s:.2f} s CPU; "
        f"{report.articles_new} articles, {report.matches} matches, {report.alerts} alerts queued)"
    )
    print(f"outbox send to file sink:       {t4 - t3:8.2f} s  ({sent} sent)")
    print(f"re-poll (nothing new):          {t5 - t4:8.2f} s  ({again.outcome})")
    print(f"peak RSS:                       {rss_mb:8.0f} MB")


if __name__ == "__main__":
    main()
