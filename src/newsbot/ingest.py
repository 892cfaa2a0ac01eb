"""What happens after a poll: store the issue, match new articles, queue alerts; count failures.

Called by :mod:`newsbot.pipeline` only. Everything for one poll result is one transaction,
so a crash leaves either nothing or the issue with its matches and outbox rows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from newsbot._collector import collector_paused
from newsbot.config import Subscriber, parse_hhmm
from newsbot.errors import ExtractionError, SourceError, SourceThrottledError
from newsbot.models import Article, Explanation, Issue, Match, Message, RawIssue
from newsbot.secrets import scrub
from newsbot.store.articles import save_issue
from newsbot.store.matches import NewMatch, record_matches
from newsbot.store.tables import IssueRow, SourceRow

if TYPE_CHECKING:
    from newsbot.outbox import NewDelivery
    from newsbot.pipeline import App, PollReport
    from newsbot.sources import PollResult, SourceState

log = logging.getLogger("newsbot.ingest")


def load_state(app: App, source_id: str) -> SourceState:
    """The stored polling state of a source (validators, last issue), or a fresh one."""
    from newsbot.sources import SourceState

    with app.session() as session:
        row = session.get(SourceRow, source_id)
        return SourceState.from_json(row.state_json if row is not None else None)


def _source_row(session: Session, app: App, source_id: str) -> SourceRow:
    row = session.get(SourceRow, source_id)
    if row is None:
        options = app.settings.sources[source_id]
        row = SourceRow(id=source_id, kind=options.kind, name=options.name)
    return row


def record_failure(
    app: App, source_id: str, outcome: str, exc: SourceError, *, now: datetime
) -> PollReport:
    """Count a failed poll; after the threshold, tell the admin once per failure streak."""
    from newsbot.pipeline import PollReport

    message = scrub(str(exc))  # a URL's key or a known secret never reaches the database
    log.warning("poll failed", extra={"source": source_id, "error": message})
    with app.session() as session:
        row = _source_row(session, app, source_id)
        if isinstance(exc, SourceThrottledError):
            # The server named a time: the next poll waits for it (the policy reads the state).
            state = replace(load_state(app, source_id), retry_not_before=exc.retry_not_before)
            row.state_json = state.to_json()
        row.consecutive_failures += 1
        row.last_error = message
        row.last_outcome = outcome
        row.last_polled_at = now
        threshold = app.settings.admin.failure_threshold
        due = row.consecutive_failures >= threshold and row.admin_alerted_at is None
        if due and _queue_admin_alert(session, app, row, now=now):
            row.admin_alerted_at = now
        session.add(row)
        session.commit()
    return PollReport(source_id, outcome, error=message)


def _queue_admin_alert(session: Session, app: App, row: SourceRow, *, now: datetime) -> bool:
    from newsbot.outbox import queue_notice

    channel_id = app.settings.admin.channel
    if channel_id is None or channel_id not in app.settings.channels:
        return False
    text = (
        f"source {row.id} ({row.name}) failed {row.consecutive_failures} polls in a row; "
        f"last outcome: {row.last_outcome}; last error: {row.last_error}"
    )
    return queue_notice(
        session,
        channel_id=channel_id,
        kind=app.settings.channels[channel_id].kind,
        title=f"newsbot: source {row.id} is failing",
        text=text,
        key=f"admin:source:{row.id}:{now.isoformat()}",
        now=now,
        templates_dir=app.settings.templates_dir,
    )


def record_result(
    app: App, source_id: str, result: PollResult, *, notify: bool, now: datetime
) -> PollReport:
    """Store a successful poll: state always; the issue, matches and alerts when fetched."""
    from newsbot.extract import extract
    from newsbot.pipeline import PollReport
    from newsbot.sources import Fetched, NoIssue

    issue = None
    if isinstance(result, Fetched):
        # Extract before touching the database: an unreadable issue is the source's failure,
        # and its validators are not saved, so the next poll fetches it again.
        try:
            issue = extract(result.raw, topics=app.settings.topics)
        except ExtractionError as exc:
            failure = SourceError(f"cannot read the issue: {exc}", source=source_id)
            return record_failure(app, source_id, "error", failure, now=now)
    with app.session() as session:
        row = _source_row(session, app, source_id)
        first_run = _first_run(session, source_id)
        row.state_json = result.state.to_json()
        row.consecutive_failures = 0
        row.admin_alerted_at = None
        row.last_error = None
        row.last_polled_at = now
        row.last_success_at = now
        session.add(row)
        session.flush()
        if isinstance(result, NoIssue):
            row.last_outcome = "no_issue"
            session.commit()
            return PollReport(source_id, "no_issue", error=result.reason)
        if not isinstance(result, Fetched) or issue is None:
            row.last_outcome = "not_modified"
            session.commit()
            return PollReport(source_id, "not_modified")
        quiet_first_run = first_run and _silent_first_run(app, source_id)
        report = _store_and_match(
            session, app, result.raw, issue, notify=notify and not quiet_first_run, now=now
        )
        row.last_outcome = report.outcome
        session.add(row)
        session.commit()
    return report


def record_first_page(app: App, source_id: str, raw: RawIssue, *, now: datetime) -> PollReport:
    """Store the first page's part of a new issue and queue its alerts, before the walk ends.

    The source's state is not touched: if the walk then fails, the next poll walks the whole
    issue again, and what this stored is updated by content hash, never alerted twice
    (matches and deliveries are unique). An unreadable part is left to the full issue, and
    so is a silent first run (``backfill``): it has no alert to hand over, and storing a part
    would make the whole issue look like a second run, which alerts.
    """
    from newsbot.extract import extract
    from newsbot.pipeline import PollReport

    if _silent_first_run(app, source_id):
        with app.session() as session:
            if _first_run(session, source_id):
                return PollReport(source_id, "unchanged")
    try:
        issue = extract(raw, topics=app.settings.topics)
    except ExtractionError:
        return PollReport(source_id, "unchanged")
    with app.session() as session:
        report = _store_and_match(session, app, raw, issue, notify=True, now=now)
        session.commit()
    return report


def _first_run(session: Session, source_id: str) -> bool:
    """No issue of the source is stored yet."""
    return session.exec(select(IssueRow.id).where(IssueRow.source_id == source_id)).first() is None


def _silent_first_run(app: App, source_id: str) -> bool:
    # A source's first fetch may hold a backlog (a feed's last 50 entries): configurable per source.
    return bool(getattr(app.settings.sources[source_id], "backfill", False))


def _store_and_match(
    session: Session, app: App, raw: RawIssue, issue: Issue, *, notify: bool, now: datetime
) -> PollReport:
    from newsbot.pipeline import PollReport

    changes = save_issue(session, raw, issue, now=now)
    fresh = changes.new + changes.changed
    outcome = "new" if changes.is_new_issue else ("updated" if fresh else "unchanged")
    report = PollReport(
        raw.source_id,
        outcome,
        issue_key=raw.issue_key,
        paper=issue.paper or raw.paper,
        issue_date=issue.date or raw.issue_date,
        articles_new=len(changes.new),
        articles_changed=len(changes.changed),
    )
    with collector_paused():
        matches, alerts = enqueue_matches(
            session, app, raw.source_id, fresh, paper=report.paper, notify=notify, now=now
        )
    report.matches, report.alerts = matches, alerts
    return report


@dataclass
class _Wanted:
    rule_ids: list[str]
    explanations: list[Explanation]
    alert: bool = False
    digest: bool = False


_ALERT_MODES = frozenset({"alert", "both"})
_DIGEST_MODES = frozenset({"digest", "both"})


def _group_by_subscriber(app: App, matches: Sequence[Match]) -> dict[str, _Wanted]:
    """One entry per subscriber: the rules that matched, their reasons once each, the modes."""
    modes = app.rule_modes
    grouped: dict[str, _Wanted] = {}
    for match in matches:
        mode = modes.get(match.rule_id, "digest")
        wanted = grouped.get(match.subscriber_id)
        if wanted is None:  # most subscribers: one rule, taken as it is
            grouped[match.subscriber_id] = _Wanted(
                [match.rule_id],
                list(match.explanations),
                mode in _ALERT_MODES,
                mode in _DIGEST_MODES,
            )
            continue
        wanted.rule_ids.append(match.rule_id)
        wanted.explanations.extend(e for e in match.explanations if e not in wanted.explanations)
        wanted.alert |= mode in _ALERT_MODES
        wanted.digest |= mode in _DIGEST_MODES
    return grouped


def enqueue_matches(
    session: Session,
    app: App,
    source_id: str,
    articles: Sequence[tuple[int, Article]],
    *,
    paper: str | None,
    notify: bool,
    now: datetime,
) -> tuple[int, int]:
    """Match articles, record each (subscriber, article) once, queue alerts.

    Returns (new matches, alert messages queued). Matches recorded by an earlier poll (a
    corrected article matched again) queue nothing. The whole poll's matches, then its
    alerts, are stored in bulk (a few multi-row statements, not one per article or row).
    """
    from newsbot import outbox

    matcher = app.matcher
    wanted = [
        (
            article_id,
            article,
            _group_by_subscriber(app, matcher.match(article, source_id=source_id)),
        )
        for article_id, article in articles
    ]
    new_matches = [
        NewMatch(
            subscriber_id=subscriber_id,
            article_id=article_id,
            rule_ids=tuple(one.rule_ids),
            explanations=tuple(one.explanations),
            wants_alert=one.alert and notify,
            wants_digest=one.digest and notify,
        )
        for article_id, _, grouped in wanted
        for subscriber_id, one in grouped.items()
    ]
    fresh = record_matches(session, new_matches, now=now)
    alerts = _AlertRenderer(app, paper=paper, now=now)
    deliveries = [
        delivery
        for article_id, article, grouped in wanted
        for subscriber_id, one in grouped.items()
        if one.alert and notify and (subscriber_id, article_id) in fresh
        for delivery in alerts.deliveries(subscriber_id, article_id, article, one)
    ]
    alert_count = outbox.enqueue_many(session, deliveries, now=now)
    session.flush()
    return len(fresh), alert_count


class _AlertRenderer:
    """Alert messages of one poll; subscribers who would get the same text share one render.

    Rendering is most of the cost of queueing: 10,000 subscribers wanting an article for
    the same reasons need one render per channel kind, not 10,000, unless the template
    shows the subscriber's name (``render.alert_shows_subscriber``).
    """

    def __init__(self, app: App, *, paper: str | None, now: datetime) -> None:
        self.app, self.paper, self.now = app, paper, now
        self._cache: dict[tuple[object, ...], list[Message]] = {}
        self._shows_name: dict[str, bool] = {}

    def messages(
        self, kind: str, article_id: int, article: Article, wanted: _Wanted, name: str
    ) -> list[Message]:
        from newsbot.render import alert_shows_subscriber, render_alert

        templates_dir = self.app.settings.templates_dir
        shows_name = self._shows_name.get(kind)
        if shows_name is None:
            shows_name = alert_shows_subscriber(kind, templates_dir=templates_dir)
            self._shows_name[kind] = shows_name
        key = (kind, article_id, tuple(wanted.explanations), name if shows_name else None)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = render_alert(
                kind,
                article,
                wanted.explanations,
                subscriber_name=name,
                paper=self.paper,
                templates_dir=templates_dir,
            )
        return found

    def deliveries(
        self, subscriber_id: str, article_id: int, article: Article, wanted: _Wanted
    ) -> list[NewDelivery]:
        """The alert messages for one subscriber's channels, held until quiet hours end."""
        from newsbot.outbox import NewDelivery

        subscriber = self.app.settings.subscribers[subscriber_id]
        name = subscriber.settings.name or subscriber.id
        not_before = quiet_hours_end(subscriber, self.now)
        deliveries: list[NewDelivery] = []
        for channel_id in subscriber.settings.channels:
            kind = self.app.settings.channels[channel_id].kind
            deliveries.extend(
                NewDelivery(
                    dedupe_key=f"alert:{subscriber.id}:{channel_id}:{article_id}:{message.part}",
                    kind="alert",
                    channel_id=channel_id,
                    subscriber_id=subscriber.id,
                    article_id=article_id,
                    message=message,
                    not_before=not_before,
                )
                for message in self.messages(kind, article_id, article, wanted, name)
            )
        return deliveries


def quiet_hours_end(subscriber: Subscriber, now: datetime) -> datetime | None:
    """When quiet hours are on at ``now`` for this subscriber, the UTC time they end; else None."""
    span = subscriber.settings.quiet_hours
    if not span:
        return None
    zone = ZoneInfo(subscriber.settings.timezone)
    local = now.astimezone(zone)
    start, end = (parse_hhmm(part) for part in span.split("-"))
    t = local.time()
    inside = (start <= t < end) if start <= end else (t >= start or t < end)
    if not inside:
        return None
    end_local = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if end_local <= local:
        end_local += timedelta(days=1)
    return end_local.astimezone(now.tzinfo)
