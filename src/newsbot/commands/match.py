"""``newsbot match`` and ``newsbot subscribers``: what a subscriber's rules would match, and why.

Usage::

    newsbot match --subscriber merchant-chen                 # the latest stored issue
    newsbot match --subscriber merchant-chen --issue 42      # a stored issue by id
    newsbot match --subscriber merchant-chen --issue page.txt --source ywsb
    newsbot subscribers list
    newsbot subscribers show merchant-chen

Nothing is sent and nothing is stored: ``match`` only reads. ``subscribers`` reads the
config file in effect (no database needed).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from newsbot.errors import UserError

if TYPE_CHECKING:
    from newsbot.config import Settings, Subscriber
    from newsbot.match import RuleSpec
    from newsbot.models import Article, Match
    from newsbot.pipeline import App

LATEST = "LATEST"
MAX_ROW_ID = 2**63 - 1  # the largest integer SQLite and PostgreSQL's bigint hold


def _subscriber(settings: Settings, subscriber_id: str) -> Subscriber:
    found = settings.subscribers.get(subscriber_id)
    if found is None:
        known = ", ".join(sorted(settings.subscribers)) or "none"
        raise UserError(f"unknown subscriber {subscriber_id!r} (known: {known})", exit_code=2)
    return found


def _stored_issue(app: App, issue: str) -> tuple[list[tuple[int, Article]], str | None, str]:
    """(articles, source id, description) of the latest or a numbered stored issue."""
    from newsbot.store.articles import issue_articles, latest_issue
    from newsbot.store.tables import IssueRow

    with app.session() as session:
        if issue.upper() == LATEST:
            row = latest_issue(session)
        else:  # an id past the database's integers names no issue (and must not overflow)
            number = int(issue)
            row = session.get(IssueRow, number) if number <= MAX_ROW_ID else None
        if row is None or row.id is None:
            what = "no issue stored yet (run `newsbot poll`, or pass a file)"
            if issue.upper() != LATEST:
                what = f"no stored issue with id {issue}"
            raise UserError(what)
        described = f"issue {row.id} ({row.source_id} {row.issue_key})"
        return issue_articles(session, row.id), row.source_id, described


def _file_issue(path: Path, settings: Settings) -> list[tuple[int, Article]]:
    """The articles extracted from a page text, HTML page or feed file (numbered from 1)."""
    from newsbot.commands.extract import read_input
    from newsbot.extract import extract_document, guess_role
    from newsbot.models import Document

    body, _charset = read_input(str(path))
    role = guess_role(body)
    extracted = extract_document(
        Document(url=str(path), body=body, role=role), topics=settings.topics
    )
    return list(enumerate(extracted.articles, start=1))


def _explained(match: Match, rules: dict[str, RuleSpec]) -> list[str]:
    lines = [f"  rule {match.rule_id} [{rules[match.rule_id].mode}]"]  # the matcher's own rules
    lines.extend(f"    {e}: {e.snippet}" for e in match.explanations)
    return lines


def _print_text(
    found: Sequence[tuple[int, Article, list[Match]]], rules: dict[str, RuleSpec]
) -> None:
    for article_id, article, matches in found:
        page = f" (p{article.page})" if article.page else ""
        click.echo(f"■ [{article_id}] {article.headline}{page}")
        for match in matches:
            click.echo("\n".join(_explained(match, rules)))
        click.echo("")


def _as_json(found: Sequence[tuple[int, Article, list[Match]]]) -> list[dict[str, Any]]:
    return [
        {
            "article_id": article_id,
            "headline": article.headline,
            "page": article.page,
            "url": article.url,
            "matches": [
                {
                    "rule_id": m.rule_id,
                    "explanations": [e.to_json() for e in m.explanations],
                }
                for m in matches
            ],
        }
        for article_id, article, matches in found
    ]


@click.command("match")
@click.option("--subscriber", "subscriber_id", required=True, help="Subscriber id from the config.")
@click.option(
    "--issue",
    default=LATEST,
    show_default=True,
    help="LATEST, a stored issue id, or the path of a page text / HTML / feed file.",
)
@click.option("--source", "source_id", default=None, help="Source id to assume for a file.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def match(
    ctx: click.Context, subscriber_id: str, issue: str, source_id: str | None, as_json: bool
) -> None:
    """Show what a subscriber's rules would match in an issue, and why. Nothing is sent."""
    from newsbot.commands._common import open_app
    from newsbot.match import compile_matcher

    path = Path(issue)
    from_file = issue.upper() != LATEST and not (issue.isascii() and issue.isdigit())
    if from_file and not path.is_file():
        raise UserError(f"{issue}: not LATEST, an issue id or a readable file", exit_code=2)
    with open_app(ctx, check_schema=not from_file) as app:
        subscriber = _subscriber(app.settings, subscriber_id)
        if from_file:
            articles, described = _file_issue(path, app.settings), str(path)
        else:
            articles, source_id, described = _stored_issue(app, issue)
        matcher = compile_matcher(subscriber.rules, app.settings.topics)
    found = [
        (article_id, article, hits)
        for article_id, article in articles
        if (hits := matcher.match(article, source_id=source_id))
    ]
    if as_json:
        click.echo(json.dumps(_as_json(found), ensure_ascii=False, indent=2))
        return
    _print_text(found, {r.id: r for r in subscriber.rules})
    click.echo(
        f"{subscriber_id}: {len(found)} of {len(articles)} articles in {described} matched; "
        "nothing was sent."
    )


@click.group("subscribers")
def subscribers() -> None:
    """Look at the subscribers of the config in effect."""


@subscribers.command("list")
@click.pass_context
def list_subscribers(ctx: click.Context) -> None:
    """One line per subscriber: id, role, time zone, channels, rules."""
    from newsbot.commands._common import open_app

    with open_app(ctx, check_schema=False) as app:
        for sub in app.settings.subscribers.values():
            s = sub.settings
            state = "" if s.active else "  (inactive)"
            click.echo(
                f"{s.id}\t{s.name or '-'}\t{s.role}\t{s.timezone}\t"
                f"channels={','.join(s.channels)}\trules={len(sub.rules)}{state}"
            )


def _rule_lines(rule: RuleSpec) -> list[str]:
    parts = [
        ("match", rule.query),
        ("any", ", ".join(rule.any)),
        ("all", ", ".join(rule.all)),
        ("none", ", ".join(rule.none)),
        ("topics", ", ".join(rule.topics)),
        ("sources", ", ".join(rule.sources)),
    ]
    lines = [f"  rule {rule.id} [{rule.mode}] fields={','.join(rule.fields)}"]
    lines.extend(f"    {name}: {value}" for name, value in parts if value)
    return lines


@subscribers.command("show")
@click.argument("subscriber_id")
@click.pass_context
def show(ctx: click.Context, subscriber_id: str) -> None:
    """Everything the config says about one subscriber, rules included."""
    from newsbot.commands._common import open_app

    with open_app(ctx, check_schema=False) as app:
        sub = _subscriber(app.settings, subscriber_id)
    s = sub.settings
    click.echo(f"{s.id}: {s.name or '-'} ({s.role}{'' if s.active else ', inactive'})")
    click.echo(f"  timezone: {s.timezone}")
    click.echo(f"  channels: {', '.join(s.channels)}")
    digest = f"{s.digest.weekday + ' ' if s.digest.weekday else ''}{s.digest.at}"
    click.echo(f"  digest: {digest}, at most {s.digest.max_items} items per message")
    if s.quiet_hours:
        click.echo(f"  quiet hours: {s.quiet_hours}")
    for rule in sub.rules:
        click.echo("\n".join(_rule_lines(rule)))
