"""Extraction on the wide corpus of real pages (tests/fixtures/extract/wide, see SOURCES.md there).

Tuning pages: one test per page and field, against expectations written by reading the page.
A field the extractor cannot get yet is an ``xfail(strict=True)`` with the reason, so a fix
shows up as an XPASS that fails the run until the mark is removed.

Holdout pages: no test per field here; one aggregate test holds headline recall and precision
above a floor. They were meant to stand for papers nobody tuned for, but four extraction rules
were since fixed while reading holdout pages (the rx-extract review: 76a8b9f, 30cda01, bfa56e6,
0f21c67), so the holdout is no longer unseen: its scores are a regression check, not a measure
of generalisation (docs/benchmarks.md).

Fresh pages: a second holdout of papers gathered after that (the unseen-papers work), held to
floors set from their first measurement; no one reads them while changing the extractor, so like
the holdout they are tested only in aggregate.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from newsbot.extract import decode_bytes, extract_document, guess_role
from newsbot.models import Issue

ROOT = Path(__file__).resolve().parents[2]


def _load_bench() -> ModuleType:
    """The corpus loader and scorer are the benchmark's, so tests and numbers agree."""
    path = ROOT / "bench" / "bench_extract_corpus.py"
    spec = importlib.util.spec_from_file_location("bench_extract_corpus", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


bench = _load_bench()
TUNING = bench.load_cases("tuning")
HOLDOUT = bench.load_cases("holdout")
FRESH = bench.load_cases("fresh")
norm = bench.normalize

# Holdout floors: at the end of issue #13's work the (then unseen) holdout gave 35 of its 36
# headlines (0.97) and invented none (1.00). The review's fixes made while reading holdout pages
# (see the docstring) bring it to 36 of 36 on 2026-11-30, so the holdout is seen now and the
# floors stay where the unseen measurement put them: they allow one miss, not a second
# (`.venv/bin/python bench/bench_extract_corpus.py`; docs/benchmarks.md has both runs).
HOLDOUT_MIN_RECALL = 0.95
HOLDOUT_MIN_PRECISION = 0.95

# Fresh floors, for when fresh/ holds pages again (its first page turned out to be an existing
# fixture and moved to tuning/). Set them from the first measurement of the new pages, minus a
# small margin, and say so here.
FRESH_MIN_RECALL = 0.9
FRESH_MIN_PRECISION = 0.9

# "page field: why the extractor does not get it yet" -> an xfail(strict=True) on that case; delete
# the line when the case starts to pass (the XPASS fails the run until then).
_GAPS: list[str] = []  # none left at the end of issue #13
KNOWN_GAPS = {tuple(gap.split(":")[0].split()): gap.split(": ", 1)[1] for gap in _GAPS}


@cache
def extracted(name: str) -> Issue:
    """The page's extraction, once per test session."""
    case = next(c for c in TUNING + HOLDOUT + FRESH if c.name == name)
    return extract_document(case.document())


def main_article(case: Any) -> Any:
    """The article carrying the expected headline, else the first (None if there is none)."""
    return bench._main_article(case, extracted(case.name))


def check_index(case: Any, field: str) -> None:
    """Assert one field of an index page."""
    exp, issue = case.expected, extracted(case.name)
    got = [a.headline for a in issue.articles]
    want = [a["headline"] for a in exp["articles"]]
    if field == "headlines":
        missing = [h for h in want if norm(h) not in {norm(g) for g in got}]
        assert not missing, f"not found: {missing}; got {got}"
    elif field == "no_extra":
        extra = [g for g in got if norm(g) not in {norm(h) for h in want}]
        assert not extra, f"not on the page's list: {extra}"
    elif field == "urls":
        # Pairs, not a headline -> URL map: a title can recur (two "公 示" on one page).
        pairs = {(norm(a.headline), a.url) for a in issue.articles}
        wrong = [a for a in exp["articles"] if (norm(a["headline"]), a["url"]) not in pairs]
        assert wrong == []
    elif field == "page":
        assert issue.page == exp["page"]
    elif field == "date":
        assert issue.date == exp["date"]
    elif field == "page_name":
        assert norm(issue.page_name) == norm(exp["page_name"])


def check_article(case: Any, field: str) -> None:
    """Assert one field of an article page."""
    exp, article = case.expected, main_article(case)
    if field == "no_article":
        assert [a.headline for a in extracted(case.name).articles] == []
        return
    assert article is not None, "no article extracted"
    if field in ("headline", "kicker", "subtitle"):
        assert norm(getattr(article, field)) == norm(exp[field]), getattr(article, field)
    elif field == "authors":
        assert sorted(map(norm, article.authors)) == sorted(map(norm, exp["authors"]))
    elif field == "date":
        issue = extracted(case.name)
        found = article.published_at.date() if article.published_at else issue.date
        assert found == exp["date"]
    elif field == "page":
        assert article.page == exp["page"]
    elif field == "body":
        for sentence in exp.get("body_contains") or []:
            assert norm(sentence) in norm(article.body), sentence
        for chrome in exp.get("body_excludes") or []:
            assert norm(chrome) not in norm(article.body), chrome


INDEX_FIELDS = ("headlines", "no_extra", "urls", "page", "page_name", "date")
ARTICLE_FIELDS = ("headline", "kicker", "subtitle", "authors", "date", "page", "body")


def _fields(case: Any) -> list[str]:
    """The fields a page's expectations pin (a null page or page name is not printed)."""
    exp = case.expected
    if exp["role"] == "page_index":
        kept = [f for f in INDEX_FIELDS if f not in ("page", "page_name", "date") or exp.get(f)]
        # A page with no article (a script shell, a page list) pins only that nothing is invented.
        return kept if exp["articles"] else [f for f in kept if f not in ("headlines", "urls")]
    if exp["headline"] is None:
        return ["no_article"]
    skip = {"page"} if exp.get("page") is None else set()
    skip |= {"body"} if "body_contains" not in exp else set()
    return [f for f in ARTICLE_FIELDS if f not in skip]


def _params() -> list[Any]:
    params = []
    for case in TUNING:
        for field in _fields(case):
            reason = KNOWN_GAPS.get((case.name, field))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            params.append(pytest.param(case, field, id=f"{case.name}:{field}", marks=marks))
    return params


@pytest.mark.parametrize(("case", "field"), _params())
def test_tuning_page_field(case: Any, field: str) -> None:
    """Each hand-checked field of each tuning page comes out of extraction as the page prints it."""
    if case.expected["role"] == "page_index":
        check_index(case, field)
    else:
        check_article(case, field)


@pytest.mark.parametrize("case", TUNING, ids=lambda c: c.name)
def test_tuning_page_role(case: Any) -> None:
    """Each tuning page is judged by its content to be what it is: a page index or an article."""
    assert guess_role(case.page.read_bytes(), case.expected["url"]) == case.expected["role"]


@pytest.mark.parametrize("case", TUNING + HOLDOUT + FRESH, ids=lambda c: f"{c.split}/{c.name}")
def test_expectations_are_read_off_the_page(case: Any) -> None:
    """Every expected headline, link and body sentence occurs in the page itself (no typos)."""
    text = norm(decode_bytes(case.page.read_bytes()))
    text = norm(text.replace("&nbsp;", " ").replace("&amp;", "&"))
    exp = case.expected
    headlines = [a["headline"] for a in exp.get("articles") or []] + [exp.get("headline") or ""]
    for wanted in headlines + list(exp.get("body_contains") or []):
        pieces = [p for p in wanted.split() if p]
        assert all(norm(p) in text for p in pieces), wanted
    for item in exp.get("articles") or []:
        assert norm(item["url"].rsplit("/", 1)[-1]) in text, item["url"]


def _headline_recall_and_precision(cases: list[Any]) -> tuple[float, float]:
    """Headlines found over headlines expected, and over headlines extracted, for a whole split."""
    total = bench.Tally()
    for case in cases:
        total.add(bench.run_newsbot(case, 1))
    hits = total.counts["idx_hit"] + total.counts["art_hit"]
    recall = hits / (total.counts["idx_want"] + total.counts["art_want"])
    precision = hits / max(total.counts["idx_got"] + total.counts["art_got"], 1)
    return recall, precision


@pytest.mark.parametrize(
    ("cases", "min_recall", "min_precision"),
    [
        pytest.param(HOLDOUT, HOLDOUT_MIN_RECALL, HOLDOUT_MIN_PRECISION, id="holdout"),
        pytest.param(
            FRESH,
            FRESH_MIN_RECALL,
            FRESH_MIN_PRECISION,
            id="fresh",
            marks=pytest.mark.skipif(
                not FRESH, reason="fresh/ holds no page yet (README: gather unseen papers)"
            ),
        ),
    ],
)
def test_unseen_headline_recall_and_precision(
    cases: list[Any], min_recall: float, min_precision: float
) -> None:
    """On held-out papers, headlines are found (recall) without invented ones (precision), overall."""
    assert cases, "the split has no page"
    recall, precision = _headline_recall_and_precision(cases)
    assert recall >= min_recall, f"recall {recall:.2f}"
    assert precision >= min_precision, f"precision {precision:.2f}"


def test_every_page_names_its_origin() -> None:
    """SOURCES.md names the repository, path and commit of every page in the corpus."""
    sources = (bench.CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    cases = TUNING + HOLDOUT + FRESH
    missing = [c.name for c in cases if f"`{c.split}/{c.name}`" not in sources]
    assert missing == []
