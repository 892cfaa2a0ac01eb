"""Storage: issues once, articles updated by content hash, matches once, config synced exactly."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, inspect
from sqlmodel import Session, select

from newsbot.config import load_settings
from newsbot.errors import SchemaOutdatedError
from newsbot.models import Article, Document, Explanation, Issue, RawIssue
from newsbot.store.articles import issue_articles, latest_issue_articles, save_issue
from newsbot.store.matches import due_digest_items, record_match
from newsbot.store.schema import current_revision, head_revision, require_current
from newsbot.store.sync import apply_settings
from newsbot.store.tables import DeliveryRow, SourceRow, SubscriberRow

NOW = datetime(2025, 5, 16, 6, 0, tzinfo=UTC)
RAW = RawIssue(
    source_id="ywsb",
    issue_key="2025-05-16",
    documents=(Document(url="http://127.0.0.1/p1.txt", body=b"x", role="page_text"),),
)
FRAUD = Article(
    headline="省打击治理电信网络诈骗工作协调机制现场会在义举行", body="本报讯 昨日……", page=1
)
FAIR = Article(headline="我市举办“科技进市场”首场对接会", body="本报讯 5月14日……", page=1)
ISSUE = Issue(articles=(FRAUD, FAIR), paper="义乌商报", number=8639, page_count=8)


def add_source(engine: Engine, source_id: str = "ywsb") -> None:
    with Session(engine) as session:
        session.add(SourceRow(id=source_id, kind="pagetext"))
        session.commit()


def test_schema_is_at_head_after_upgrade(engine: Engine) -> None:
    """`db upgrade` brings an empty database to this code's head revision."""
    assert current_revision(engine) == head_revision()
    require_current(engine)
    assert {"sources", "issues", "articles", "deliveries", "matches"} <= set(
        inspect(engine).get_table_names()
    )


def test_outdated_schema_is_refused_with_the_command_to_run(sqlite_url: str) -> None:
    """An empty database is refused with a message naming `newsbot db upgrade`."""
    from newsbot.store.db import make_engine

    engine = make_engine(sqlite_url)
    with pytest.raises(SchemaOutdatedError, match="newsbot db upgrade"):
        require_current(engine)
    engine.dispose()


def test_storing_the_same_issue_twice_changes_nothing(engine: Engine) -> None:
    """Re-polling an unchanged issue is a no-op: no new issue, no new or changed article."""
    add_source(engine)
    with Session(engine) as session:
        first = save_issue(session, RAW, ISSUE, now=NOW)
        session.commit()
    with Session(engine) as session:
        second = save_issue(session, RAW, ISSUE, now=NOW + timedelta(minutes=10))
        session.commit()
    assert first.is_new_issue
    assert len(first.new) == 2
    assert not second.is_new_issue
    assert (second.new, second.changed, second.unchanged) == ([], [], 2)


def test_a_correction_updates_only_the_changed_article(engine: Engine) -> None:
    """A re-published issue updates the corrected article in place; the other stays untouched."""
    add_source(engine)
    with Session(engine) as session:
        first = save_issue(session, RAW, ISSUE, now=NOW)
        session.commit()
    corrected = replace(ISSUE, articles=(replace(FRAUD, body="本报讯 昨日（更正）……"), FAIR))
    with Session(engine) as session:
        second = save_issue(session, RAW, corrected, now=NOW + timedelta(hours=1))
        session.commit()
        stored = dict(issue_articles(session, first.issue_id))
    assert [a.headline for _, a in second.changed] == [FRAUD.headline]
    assert second.changed[0][0] == first.new[0][0]  # same row, updated
    assert second.new == []
    assert stored[first.new[0][0]].body == "本报讯 昨日（更正）……"


def test_latest_issue_articles_reads_back_the_models(engine: Engine) -> None:
    """What was stored comes back as the same Article models, in page order."""
    add_source(engine)
    with Session(engine) as session:
        save_issue(session, RAW, ISSUE, now=NOW)
        session.commit()
        back = [a for _, a in latest_issue_articles(session, "ywsb")]
    assert back == [FRAUD, FAIR]


def test_a_match_is_recorded_once_per_subscriber_and_article(engine: Engine) -> None:
    """Several rules (or polls) matching one article give one match row; digests see it once."""
    add_source(engine)
    with Session(engine) as session:
        session.add(SubscriberRow(id="chen"))
        changes = save_issue(session, RAW, ISSUE, now=NOW)
        article_id = changes.new[0][0]
        why = [Explanation(term="电信网络诈骗", field="headline", snippet="…电信网络诈骗…")]
        kwargs = {
            "subscriber_id": "chen",
            "article_id": article_id,
            "explanations": why,
            "now": NOW,
        }
        first = record_match(
            session, rule_ids=["chen/fraud"], wants_alert=True, wants_digest=True, **kwargs
        )
        second = record_match(
            session, rule_ids=["chen/other"], wants_alert=False, wants_digest=True, **kwargs
        )
        session.commit()
        items = due_digest_items(session, "chen")
    assert first is not None
    assert second is None
    assert [a.id for _, a in items] == [article_id]


CONFIG = """\
sources:
  - id: drop
    kind: pagetext
    folder: drop
channels:
  - id: local
    kind: file
    path: out.txt
subscribers:
  - id: chen
    channels: [local]
    rules:
      - id: fraud
        match: 反洗钱
        deliver: alert
  - id: wang
    channels: [local]
    rules:
      - id: city
        any: [人大]
"""


def test_config_apply_reports_added_changed_removed(engine: Engine, tmp_path: Path) -> None:
    """Applying twice is a no-op; an edit is 'changed'; a removed subscriber is 'removed'."""
    path = tmp_path / "newsbot.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    with Session(engine) as session:
        diff = apply_settings(session, load_settings(path, environ={}), now=NOW)
        session.commit()
    assert diff.added["subscriber"] == ["chen", "wang"]
    assert diff.added["rule"] == ["chen/fraud", "wang/city"]
    with Session(engine) as session:
        again = apply_settings(session, load_settings(path, environ={}), now=NOW)
        session.commit()
    assert again.empty
    edited = CONFIG.replace("match: 反洗钱", "match: 反洗钱 OR 反诈")
    edited = edited[: edited.index("  - id: wang")]
    path.write_text(edited, encoding="utf-8")
    with Session(engine) as session:
        dry = apply_settings(session, load_settings(path, environ={}), now=NOW, dry_run=True)
        session.rollback()
    assert dry.changed["rule"] == ["chen/fraud"]
    assert dry.removed["subscriber"] == ["wang"]
    assert "- subscriber wang" in dry.render()


def test_removing_a_subscriber_cancels_its_waiting_deliveries_and_keeps_history(
    engine: Engine, tmp_path: Path
) -> None:
    """A removed subscriber stays in the database (inactive); its pending deliveries stop."""
    path = tmp_path / "newsbot.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    with Session(engine) as session:
        apply_settings(session, load_settings(path, environ={}), now=NOW)
        for key, state in (("a", "pending"), ("b", "sent")):
            session.add(
                DeliveryRow(
                    dedupe_key=key,
                    kind="alert",
                    subscriber_id="wang",
                    channel_id="local",
                    message_json="{}",
                    state=state,
                    next_attempt_at=NOW,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.commit()
    path.write_text(CONFIG[: CONFIG.index("  - id: wang")], encoding="utf-8")
    with Session(engine) as session:
        apply_settings(session, load_settings(path, environ={}), now=NOW)
        session.commit()
        wang = session.get(SubscriberRow, "wang")
        states = {d.dedupe_key: d.state for d in session.exec(select(DeliveryRow)).all()}
    assert wang is not None
    assert not wang.active
    assert wang.removed_at is not None
    assert states == {"a": "cancelled", "b": "sent"}


def test_enqueue_many_skips_existing_keys_and_holds_until_not_before(engine: Engine) -> None:
    """Bulk queueing adds each dedupe_key once and keeps a quiet-hours hold as next_attempt_at."""
    from newsbot.models import Message
    from newsbot.outbox import NewDelivery, enqueue_many

    message = Message(channel_kind="file", kind="alert", title="t", body="b")
    later = NOW + timedelta(hours=2)

    def delivery(key: str, not_before: datetime | None = None) -> NewDelivery:
        return NewDelivery(key, "alert", "local", None, None, message, not_before)

    with Session(engine) as session:
        first = enqueue_many(session, [delivery("a"), delivery("b", later)], now=NOW)
        again = enqueue_many(session, [delivery("a"), delivery("c")], now=NOW)
        session.commit()
        rows = {d.dedupe_key: d for d in session.exec(select(DeliveryRow)).all()}
    assert (first, again) == (2, 1)
    assert sorted(rows) == ["a", "b", "c"]
    assert rows["b"].next_attempt_at == later
    assert rows["a"].state == "pending"


def test_a_stored_time_reads_back_as_the_same_utc_instant(engine: Engine) -> None:
    """``as_utc`` makes a time read back (naive from SQLite) the instant that was stored."""
    from newsbot.store.db import as_utc
    from newsbot.store.tables import IssueRow

    add_source(engine)
    with Session(engine) as session:
        changes = save_issue(session, RAW, ISSUE, now=NOW)
        session.commit()
    with Session(engine) as session:
        row = session.get(IssueRow, changes.issue_id)
        assert row is not None
        assert as_utc(row.fetched_at) == NOW
        assert as_utc(row.fetched_at).utcoffset() == timedelta(0)
    shanghai = NOW.astimezone(ZoneInfo("Asia/Shanghai"))
    assert as_utc(shanghai) is shanghai  # an aware time is left as it is
