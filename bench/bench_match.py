"""Benchmark: 100,000 subscribers x 10 terms against an 8-page issue.

Usage::

    .venv/bin/python bench/bench_match.py                 # full run (the naive loop takes ~1 min)
    .venv/bin/python bench/bench_match.py --subscribers 10000 --seed 7

Measures, in one run: compile time and memory (RSS growth) of the compiled matcher, the
time to match every article of the issue, and the same work done naively — each rule's
terms tested with ``in`` one by one on the folded text. Terms are realistic 2-4 character
words: mostly from jieba's dictionary, some from the sample page, so that a subscriber gets
a handful of articles per issue, as in real life. Rule shapes mix any-of, any-of with
exclusions, all-of, field scopes and queries with AND/OR/NOT.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import re
import statistics
import sys
import time
import tracemalloc
from importlib.metadata import version
from pathlib import Path

from newsbot.match import Matcher, RuleSpec, compile_matcher, normalize
from newsbot.match._reference import naive_matches
from newsbot.models import Article

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "ywsb-2025-05-16-p1.txt"
# Share of terms taken from the sample page itself (the rest are dictionary words): with
# the defaults a subscriber gets about one article per issue. --dense raises it.
SAMPLE_TERM_SHARE = 0.003
CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


def rss_bytes() -> int:
    """Resident set size of this process (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def vocabularies(min_freq: int, max_freq: int) -> tuple[list[str], list[str]]:
    """(words of jieba's dictionary, words of the sample page), both 2-4 CJK characters."""
    import jieba

    dict_path = Path(jieba.__file__).parent / "dict.txt"
    words = []
    for line in dict_path.read_text(encoding="utf-8").splitlines():
        word, freq, *_ = line.split(" ")
        if min_freq <= int(freq) <= max_freq and CJK_WORD.match(word):
            words.append(word)
    jieba.setLogLevel(60)
    sample = sorted({w for w in jieba.cut(SAMPLE.read_text(encoding="utf-8")) if CJK_WORD.match(w)})
    return words, sample


def make_issue(rng: random.Random, pages: int) -> list[Article]:
    """An issue of ``pages`` pages: the sample page's paragraphs shuffled into articles."""
    paragraphs = [p.strip() for p in SAMPLE.read_text(encoding="utf-8").split("\n") if p.strip()]
    articles = []
    for page in range(1, pages + 1):
        shuffled = rng.sample(paragraphs, len(paragraphs))
        for start in range(0, len(shuffled), 8):
            chunk = shuffled[start : start + 8]
            headline = chunk[0][:40]
            articles.append(
                Article(headline=headline, summary=chunk[1][:80] if len(chunk) > 1 else "",
                        body="\n".join(chunk[1:]), page=page)
            )  # fmt: skip
    return articles


def make_rule(
    i: int, rng: random.Random, words: list[str], sample: list[str], share: float
) -> RuleSpec:
    """One subscriber's rule of 10 terms, in one of several realistic shapes."""
    terms = [rng.choice(sample) if rng.random() < share else rng.choice(words) for _ in range(10)]
    sid = f"sub{i}"
    shape = rng.random()
    if shape < 0.55:
        return RuleSpec(id=f"{sid}/r", subscriber_id=sid, any=tuple(terms))
    if shape < 0.75:
        return RuleSpec(
            id=f"{sid}/r", subscriber_id=sid, any=tuple(terms[:8]), none=tuple(terms[8:])
        )
    if shape < 0.85:
        return RuleSpec(
            id=f"{sid}/r", subscriber_id=sid, all=tuple(terms[:2]), any=tuple(terms[2:])
        )
    if shape < 0.92:
        return RuleSpec(id=f"{sid}/r", subscriber_id=sid, any=tuple(terms), fields=("headline",))
    query = f"({' OR '.join(terms[:4])}) AND ({' OR '.join(terms[4:8])} OR headline:{terms[8]}) NOT {terms[9]}"
    return RuleSpec(id=f"{sid}/r", subscriber_id=sid, query=query)


def naive_terms(rule: RuleSpec) -> list[str]:
    """Every term of a rule, folded once (the baseline is not charged for folding terms)."""
    terms = [*rule.any, *rule.all, *rule.none]
    if rule.query:
        words = rule.query.replace("(", " ").replace(")", " ").split()
        terms.extend(w.removeprefix("headline:") for w in words if w not in ("AND", "OR", "NOT"))
    return [normalize(t) for t in terms]


def naive_in_loop(rule_terms: list[list[str]], articles: list[Article]) -> int:
    """Each rule's terms tested with ``in`` one by one (the baseline); returns rules hit."""
    found = 0
    for article in articles:
        folded = normalize(f"{article.headline}\n{article.summary}\n{article.body}")
        for terms in rule_terms:
            hits = [t for t in terms if t in folded]
            found += bool(hits)
    return found


def bare_scan(terms: list[str], articles: list[Article], repeat: int) -> tuple[float, float, int]:
    """The anchor: one pyahocorasick pass over each article's folded fields, same terms,
    every hit only counted (no word boundaries, no rules). Median wall and CPU seconds."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for index, term in enumerate(terms):
        automaton.add_word(term, index)
    automaton.make_automaton()
    folded = [
        [normalize(a.heading), normalize(a.summary), normalize(a.body)] for a in articles
    ]  # folding is timed with the matcher, not here: the anchor is the scan alone
    timings, cpu_timings, hits = [], [], 0
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        hits = 0
        for fields in folded:
            for text in fields:
                for _hit in automaton.iter(text):
                    hits += 1
        timings.append(time.perf_counter() - started)
        cpu_timings.append(time.process_time() - cpu_started)
    return statistics.median(timings), statistics.median(cpu_timings), hits


def measure(
    matcher: Matcher, articles: list[Article], repeat: int, *, explain: bool = False
) -> tuple[float, float, int]:
    """Median wall and CPU seconds to find every rule that holds for each article of the
    issue (``explain``: and to make every Match with its explanations), and the matches."""
    timings, cpu_timings, total = [], [], 0
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        if explain:
            total = sum(len(matcher.match(a, source_id="ywsb")) for a in articles)
        else:
            total = sum(len(matcher.evaluate(a, source_id="ywsb")) for a in articles)
        timings.append(time.perf_counter() - started)
        cpu_timings.append(time.process_time() - cpu_started)
    return statistics.median(timings), statistics.median(cpu_timings), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20250516)
    parser.add_argument("--min-freq", type=int, default=20, help="jieba frequency floor")
    parser.add_argument(
        "--max-freq", type=int, default=2000, help="jieba frequency ceiling (drops 发展, 工作 ...)"
    )
    parser.add_argument(
        "--dense", action="store_true", help="no ceiling, 1%% page words: ~2 matches/subscriber"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-naive", action="store_true", help="skip the slow baseline")
    parser.add_argument("--check-rules", type=int, default=2000, help="rules checked vs reference")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    share = 0.01 if args.dense else SAMPLE_TERM_SHARE
    if args.dense:
        args.max_freq = 10**12

    words, sample = vocabularies(args.min_freq, args.max_freq)
    articles = make_issue(rng, args.pages)
    rules = [make_rule(i, rng, words, sample, share) for i in range(args.subscribers)]
    chars = sum(len(a.headline) + len(a.summary) + len(a.body) for a in articles)
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.system()}, Python {platform.python_version()}, "
        f"pyahocorasick {version('pyahocorasick')}, numpy {version('numpy')}, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"vocabulary: {len(words)} dictionary words, {len(sample)} sample words")
    print(f"issue: {args.pages} pages, {len(articles)} articles, {chars} chars")
    print(f"rules: {len(rules)} subscribers x 10 terms, {share:.1%} from the page")

    matcher = report_compile(rules)
    bare_s, bare_cpu_s = report_anchor(matcher, articles, args.repeat)
    match_s, match_cpu_s = report_matcher(matcher, articles, args.repeat, len(rules))
    print(
        f"matcher / bare scan (after gc.freeze()): {match_s / bare_s:.1f}x wall, "
        f"{match_cpu_s / bare_cpu_s:.1f}x CPU"
    )
    if not args.skip_naive:
        rule_terms = [naive_terms(rule) for rule in rules]
        started, cpu_started = time.perf_counter(), time.process_time()
        naive_in_loop(rule_terms, articles)
        naive_s = time.perf_counter() - started
        naive_cpu_s = time.process_time() - cpu_started
        print(f"naive `in` loop: {naive_s:.1f} s wall, {naive_cpu_s:.1f} s CPU per issue")
        print(
            f"speed-up over it: {naive_s / match_s:.0f}x wall, {naive_cpu_s / match_cpu_s:.0f}x CPU"
        )
    check_reference(rules[: args.check_rules], articles)


def report_compile(rules: list[RuleSpec]) -> Matcher:
    """Compile, printing time and memory (RSS growth and tracemalloc's count of the matcher)."""
    gc.collect()
    rss_before = rss_bytes()
    started, cpu_started = time.perf_counter(), time.process_time()
    matcher = compile_matcher(rules)
    compile_s, compile_cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    rss_mib = (rss_bytes() - rss_before) / 2**20
    print(
        f"compile: {compile_s:.2f} s wall, {compile_cpu_s:.2f} s CPU, "
        f"{matcher.term_count} distinct terms, RSS +{rss_mib:.0f} MiB"
    )
    tracemalloc.start()
    kept = compile_matcher(rules[: len(rules) // 10])
    traced_mib = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    print(
        f"tracemalloc: {traced_mib:.1f} MiB held by a matcher of {kept.rule_count} rules "
        "(the rule specs not counted)"
    )
    return matcher


def report_anchor(matcher: Matcher, articles: list[Article], repeat: int) -> tuple[float, float]:
    """The bare automaton scan over the matcher's own terms, and the folding it leaves out."""
    bare_s, bare_cpu_s, hits = bare_scan(list(matcher.terms), articles, repeat)
    print(
        f"bare pyahocorasick scan (anchor): {bare_s * 1000:.1f} ms wall, "
        f"{bare_cpu_s * 1000:.1f} ms CPU per issue, {hits} raw hits"
    )
    fold_started = time.process_time()
    for _ in range(repeat):
        for article in articles:
            normalize(article.heading), normalize(article.summary), normalize(article.body)
    fold_cpu_s = (time.process_time() - fold_started) / repeat
    print(f"folding the issue's text (done by the matcher too): {fold_cpu_s * 1000:.1f} ms CPU")
    return bare_s, bare_cpu_s


def report_matcher(
    matcher: Matcher, articles: list[Article], repeat: int, rule_count: int
) -> tuple[float, float]:
    """The matcher finding the rules that hold, then also explaining every match."""
    default_s, default_cpu_s, total = measure(matcher, articles, repeat)
    print(
        f"match (rules that hold), default GC: {default_s * 1000:.1f} ms wall, "
        f"{default_cpu_s * 1000:.1f} ms CPU per issue (median of {repeat}), {total} matches, "
        f"{total / rule_count:.2f} per subscriber"
    )
    # A long-running service freezes what it loaded (config, compiled matcher) so that the
    # collector stops re-scanning 100,000 rules while matching creates short-lived objects.
    gc.freeze()
    match_s, match_cpu_s, _ = measure(matcher, articles, repeat)
    print(
        f"match (rules that hold), after gc.freeze(): {match_s * 1000:.1f} ms wall, "
        f"{match_cpu_s * 1000:.1f} ms CPU per issue"
    )
    explain_s, explain_cpu_s, _ = measure(matcher, articles, repeat, explain=True)
    print(
        f"match + every Match explained (what storing them all costs): "
        f"{explain_s * 1000:.0f} ms wall, {explain_cpu_s * 1000:.0f} ms CPU per issue"
    )
    return match_s, match_cpu_s


def check_reference(checked: list[RuleSpec], articles: list[Article]) -> None:
    """The same matches as the naive reference, on the first rules."""
    small = compile_matcher(checked)
    for article in articles:
        got = [m.rule_id for m in small.match(article, source_id="ywsb")]
        if got != naive_matches(checked, article, source_id="ywsb"):
            sys.exit(f"MISMATCH against the reference on {article.headline!r}")
    print(f"agreement with the reference: {len(checked)} rules x {len(articles)} articles, ok")


if __name__ == "__main__":
    main()
