"""The console's pages over plain HTTP, against a real `newsbot run --http` that polled the sample."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlmodel import Session
from tests.web.server import WRONG_WECOM_KEY, RunningNewsbot

from newsbot.channels import CHANNEL_KINDS
from newsbot.store.articles import issue_article_rows, latest_issues
from newsbot.store.db import make_engine
from newsbot.store.tables import ArticleRow, IssueRow

PAGES = ["/", "/deliveries", "/playground?rule=%E8%AF%88%E9%AA%97"]


def stored(run: RunningNewsbot) -> tuple[IssueRow, list[ArticleRow]]:
    """The one stored issue and its articles, read through the store's query functions."""
    engine = make_engine(run.env["NEWSBOT_DATABASE_URL"])
    try:
        with Session(engine) as session:
            (issue,) = latest_issues(session)
            assert issue.id is not None
            return issue, issue_article_rows(session, issue.id)
    finally:
        engine.dispose()


def text_of(html: str) -> str:
    """The page's text without tags, entities decoded, whitespace squeezed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def fraud_article(run: RunningNewsbot) -> ArticleRow:
    """The front-page article on fraud that merchant-chen's rule matches."""
    _, articles = stored(run)
    return next(a for a in articles if "电信网络诈骗" in f"{a.kicker} {a.headline}")


def test_overview_shows_source_health_failing_channel_and_latest_issue(
    running: RunningNewsbot,
) -> None:
    """The overview names the source with its outcome, the refused channel, and links the issue."""
    issue, _ = stored(running)
    page = running.get("/")
    assert page.status_code == 200
    body = text_of(page.text)
    assert "ywsb 义乌商报" in body
    assert "never polled" not in body
    failing = page.text.split('id="failing-channels"')[1].split("</table>")[0]
    assert "shop-wecom" in failing
    assert "refused permanently" in failing
    assert "93000" in failing
    assert "local-file" not in failing
    assert f'href="/issues/{issue.id}"' in page.text


def test_issue_page_lists_every_article_under_its_page(running: RunningNewsbot) -> None:
    """Each stored article appears with its headline, summary, topics and a link to itself."""
    issue, articles = stored(running)
    page = running.get(f"/issues/{issue.id}")
    assert page.status_code == 200
    body = text_of(page.text)
    assert "第01版" in body
    for article in articles:
        assert f'href="/articles/{article.id}"' in page.text
        assert text_of(article.headline) in body
        assert text_of(article.summary)[:40] in body
    assert page.text.count('class="card article"') == len(articles)


def test_article_page_says_who_it_matched_and_why(running: RunningNewsbot) -> None:
    """The fraud article shows merchant-chen's rule, the term and field, and its deliveries."""
    article = fraud_article(running)
    page = running.get(f"/articles/{article.id}")
    assert page.status_code == 200
    matches = text_of(page.text.split('id="matches"')[1].split("</table>")[0])
    assert "merchant-chen 陈老板" in matches
    assert "merchant-chen/fraud" in matches
    assert "matched 电信网络诈骗 in" in matches
    assert "reader-wang" not in matches
    sent = text_of(page.text.split('id="article-deliveries"')[1].split("</table>")[0])
    assert "local-file" in sent
    assert "sent" in sent
    assert "shop-wecom" in sent
    assert "dead" in sent


def test_deliveries_filter_by_state_with_attempts_and_error(running: RunningNewsbot) -> None:
    """?state=dead lists only dead deliveries, each with its attempts and the platform's error."""
    page = running.get("/deliveries", params={"state": "dead"})
    assert page.status_code == 200
    table = page.text.split('id="deliveries"')[1].split("</table>")[0]
    states = re.findall(r'class="state state-(\w+)"', table)
    assert states
    assert set(states) == {"dead"}
    assert "93000" in table
    everything = running.get("/deliveries").text
    assert "state-sent" in everything


@pytest.mark.parametrize("path", PAGES)
def test_no_page_shows_a_secret(running: RunningNewsbot, path: str) -> None:
    """The channel key appears in no page, nor does the key= parameter of a WeCom URL."""
    page = running.get(path)
    assert page.status_code == 200
    assert WRONG_WECOM_KEY not in page.text
    assert "key=" not in page.text


def test_article_pages_show_no_secret(running: RunningNewsbot) -> None:
    """Neither the issue page nor any article page shows the channel key."""
    issue, articles = stored(running)
    for path in [f"/issues/{issue.id}", *(f"/articles/{a.id}" for a in articles)]:
        assert WRONG_WECOM_KEY not in running.get(path).text


def test_unknown_issue_and_article_are_404_pages(running: RunningNewsbot) -> None:
    """A missing issue or article is a 404 page naming what is missing."""
    missing = running.get("/issues/987654")
    assert missing.status_code == 404
    assert "no stored issue with id 987654" in missing.text
    assert running.get("/articles/987654").status_code == 404


def test_playground_shows_matches_with_explanations_and_every_channel_preview(
    running: RunningNewsbot,
) -> None:
    """A typed rule lists what it matches, why, and a preview per channel kind."""
    article = fraud_article(running)
    page = running.get("/playground", params={"rule": "电信网络诈骗 NOT 招聘"})
    assert page.status_code == 200
    body = text_of(page.text)
    assert re.search(r"\b1 of \d+ articles in the last 1 issues matched", body)
    assert f'href="/articles/{article.id}"' in page.text
    assert "matched 电信网络诈骗 in headline" in body
    kinds = re.findall(r'class="card preview" data-kind="(\w+)"', page.text)
    assert kinds == sorted(CHANNEL_KINDS)
    assert "电信网络诈骗" in page.text.split('data-kind="wecom"')[1].split("</div>")[0]


def test_playground_points_at_a_syntax_error(running: RunningNewsbot) -> None:
    """An unclosed parenthesis is reported with its place in the rule highlighted."""
    page = running.get("/playground/results", params={"rule": "反诈 OR (电信网络诈骗"})
    assert page.status_code == 200
    assert "missing closing parenthesis" in page.text
    assert '<pre class="where">反诈 OR <mark class="where">(</mark>电信网络诈骗</pre>' in page.text
    assert "articles in the last" not in page.text


def test_playground_reports_an_unknown_topic(running: RunningNewsbot) -> None:
    """A rule naming a topic the catalog lacks is refused with the config check's sentence."""
    page = running.get("/playground/results", params={"rule": "topic:no-such-topic"})
    assert "rule playground: unknown topic 'no-such-topic'" in text_of(page.text)
    assert "articles in the last" not in page.text


def test_playground_reports_an_unknown_source(running: RunningNewsbot) -> None:
    """A rule naming a source the config lacks is refused with the config check's sentence;
    the configured source is accepted and its article found."""
    page = running.get("/playground/results", params={"rule": "source:no-such-paper AND 诈骗"})
    assert page.status_code == 200
    assert "rule playground: unknown source 'no-such-paper'" in text_of(page.text)
    assert "articles in the last" not in page.text
    known = running.get("/playground/results", params={"rule": "source:ywsb AND 电信网络诈骗"})
    assert "unknown source" not in known.text
    assert re.search(r"\b1 of \d+ articles in the last 1 issues matched", text_of(known.text))


def test_playground_runs_a_subscribers_rules(running: RunningNewsbot) -> None:
    """Picking reader-wang runs their rules: the 对接会 article is matched by reader-wang/fairs."""
    page = running.get("/playground/results", params={"subscriber": "reader-wang"})
    body = text_of(page.text)
    assert "对接会" in body
    assert "matched 对接会 in" in body
    assert "电信网络诈骗" not in body.split("As each channel kind")[0]
