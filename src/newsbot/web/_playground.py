"""The rule playground: what a rule (or a subscriber's rules) would match in the last N issues.

Nothing is stored and nothing is sent. A typed rule is checked like a config rule (syntax,
topics) and its error points at the offending place; each match comes with its explanation,
and one matched article is rendered as every channel kind would send it, by the same
render code the outbox uses.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from newsbot.web._app import TEMPLATES_DIR, render, state_of

if TYPE_CHECKING:
    from newsbot.match import RuleSpec
    from newsbot.models import Article, Match, Message
    from newsbot.pipeline import App
    from newsbot.store.tables import IssueRow

PLAYGROUND_ID = "playground"
MAX_ISSUES = 50


@dataclass(frozen=True)
class RuleProblem:
    """Why a rule cannot run; ``position`` (0-based, in the rule text) when the parser knows."""

    message: str
    rule: str = ""
    position: int | None = None

    @property
    def parts(self) -> tuple[str, str, str]:
        """(before, at, after) the position, to highlight where the rule goes wrong."""
        if self.position is None:
            return self.rule, "", ""
        at = min(max(self.position, 0), len(self.rule))
        return self.rule[:at], self.rule[at : at + 1] or " ", self.rule[at + 1 :]


@dataclass(frozen=True)
class Hit:
    """One article the rules matched, with each rule's explanation."""

    article_id: int
    article: Article
    issue: IssueRow
    matches: list[Match]


@dataclass(frozen=True)
class Preview:
    """One channel kind's rendering of the previewed article (or why it could not render)."""

    kind: str
    messages: list[Message] = field(default_factory=list)
    error: str | None = None

    def bodies(self) -> list[str]:
        """Each message's body; JSON payloads (cards, embeds, blocks) indented to be read."""
        shown: list[str] = []
        for message in self.messages:
            try:
                data = json.loads(message.body)
            except ValueError:
                shown.append(message.body)
                continue
            shown.append(json.dumps(data, ensure_ascii=False, indent=2))
        return shown


@dataclass
class Outcome:
    """What the playground shows for one query."""

    rules: list[RuleSpec] = field(default_factory=list)
    problems: list[RuleProblem] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    issues: int = 0
    articles: int = 0
    previews: list[Preview] = field(default_factory=list)
    preview_id: int | None = None


def typed_rule(
    text: str, topic_ids: set[str], source_ids: Collection[str]
) -> tuple[RuleSpec | None, list[RuleProblem]]:
    """The typed rule as a spec, or the problems that stop it (syntax error with its place;
    unknown topics and sources, checked as ``config check`` checks a rule)."""
    from newsbot._rule_sources import source_problems
    from newsbot.match import RuleSpec, RuleSyntaxError, parse_query, validate_rule

    try:
        query = parse_query(text)
    except RuleSyntaxError as exc:
        return None, [RuleProblem(exc.message, text, exc.position)]
    spec = RuleSpec(id=PLAYGROUND_ID, subscriber_id=PLAYGROUND_ID, query=text, mode="alert")
    problems = [RuleProblem(message, text) for message in validate_rule(spec, topic_ids)]
    problems += [
        RuleProblem(f"rule {PLAYGROUND_ID}: {message}", text)
        for message in source_problems(query, source_ids)
    ]
    return (None if problems else spec), problems


def choose_rules(
    app: App, rule: str, subscriber_id: str
) -> tuple[list[RuleSpec], list[RuleProblem]]:
    """The typed rule when there is one, else the chosen subscriber's rules."""
    if rule.strip():
        spec, problems = typed_rule(rule, {t.id for t in app.settings.topics}, app.settings.sources)
        return ([spec] if spec else []), problems
    subscriber = app.settings.subscribers.get(subscriber_id)
    if subscriber_id and subscriber is None:
        return [], [RuleProblem(f"unknown subscriber {subscriber_id!r}")]
    return (list(subscriber.rules) if subscriber else []), []


def search(app: App, rules: Sequence[RuleSpec], issues_n: int) -> tuple[list[Hit], int, int]:
    """(hits, issues searched, articles searched) over the last ``issues_n`` stored issues."""
    from newsbot.match import compile_matcher
    from newsbot.store.articles import issue_articles, latest_issues

    matcher = compile_matcher(rules, app.settings.topics)
    with app.session() as session:
        issues = latest_issues(session, limit=issues_n)
        stored = [(row, issue_articles(session, row.id)) for row in issues if row.id is not None]
    hits: list[Hit] = []
    for row, articles in stored:
        for article_id, article in articles:
            if found := matcher.match(article, source_id=row.source_id):
                hits.append(Hit(article_id, article, row, found))
    return hits, len(stored), sum(len(articles) for _, articles in stored)


def previews(app: App, hit: Hit, subscriber_name: str) -> list[Preview]:
    """``hit`` rendered by every channel kind, as an alert would be sent."""
    from newsbot.channels import CHANNEL_KINDS
    from newsbot.errors import NewsbotError
    from newsbot.render import render_alert

    explanations = [e for m in hit.matches for e in m.explanations]
    shown: list[Preview] = []
    for kind in sorted(CHANNEL_KINDS):
        try:
            messages = render_alert(
                kind,
                hit.article,
                explanations,
                subscriber_name=subscriber_name,
                paper=hit.issue.paper,
                templates_dir=app.settings.templates_dir,
            )
        except (NewsbotError, ValueError, OSError) as exc:
            shown.append(Preview(kind, error=f"{type(exc).__name__}: {exc}"))
            continue
        shown.append(Preview(kind, messages))
    return shown


def run_playground(
    app: App, *, rule: str, subscriber_id: str, issues_n: int, preview_id: int | None
) -> Outcome:
    """Everything the playground page shows for one query."""
    rules, problems = choose_rules(app, rule, subscriber_id)
    outcome = Outcome(rules=rules, problems=problems)
    if not rules:
        return outcome
    outcome.hits, outcome.issues, outcome.articles = search(app, rules, issues_n)
    chosen = next((h for h in outcome.hits if h.article_id == preview_id), None)
    chosen = chosen or (outcome.hits[0] if outcome.hits else None)
    if chosen is not None:
        subscriber = app.settings.subscribers.get(subscriber_id)
        name = (subscriber.settings.name or subscriber.id) if subscriber else PLAYGROUND_ID
        outcome.previews = previews(app, chosen, name)
        outcome.preview_id = chosen.article_id
    return outcome


def _query(request: Request, default_issues: int) -> dict[str, Any]:
    params = request.query_params
    issues_text = params.get("issues", "")
    issues_n = int(issues_text) if issues_text.isdigit() else default_issues
    preview = params.get("preview", "")
    return {
        "rule": params.get("rule", "")[:2000],
        "subscriber_id": params.get("subscriber", ""),
        "issues_n": min(max(issues_n, 1), MAX_ISSUES),
        "preview_id": int(preview) if preview.isdigit() else None,
    }


async def _context(request: Request) -> dict[str, Any]:
    app = state_of(request).app
    query = _query(request, app.settings.http.playground_issues)
    outcome = await run_in_threadpool(lambda: run_playground(app, **query))
    return {**query, "outcome": outcome, "subscribers": sorted(app.settings.subscribers)}


async def page(request: Request) -> Response:
    """The playground: the form, and the results of what it holds (works without script)."""
    return render(request, "playground.html", **await _context(request))


async def results(request: Request) -> Response:
    """Only the results, for the page's script to swap in as the rule is typed."""
    return render(request, "_results.html", **await _context(request))


async def script(request: Request) -> Response:
    """The page's script, served from here so the pages' CSP need not allow inline script."""
    return FileResponse(TEMPLATES_DIR / "playground.js", media_type="text/javascript")
