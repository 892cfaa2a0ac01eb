"""The one place that strings the stages together; the CLI and the scheduler both call it.

    poll_source:   source.poll -> extract -> store (new articles only) -> match -> enqueue alerts
                   (the steps after the fetch are in :mod:`newsbot.ingest`)
    send_due:      the outbox sends what is due (the outbox decides retries)

Digests (matches waiting for a subscriber's hour -> render -> enqueue) are queued by
:mod:`newsbot.digest`, which the scheduler calls at each subscriber's hour.

Usage::

    with App.open(config_path=None, database_url=None) as app:
        report = asyncio.run(poll_source(app, "ywsb"))
        asyncio.run(send_due(app))
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session

from newsbot.config import Settings, default_config_path, load_settings
from newsbot.errors import SourceBlockedError, SourceError
from newsbot.secrets import Secret, redact_url
from newsbot.store.db import database_url, make_engine

if TYPE_CHECKING:
    import asyncio

    from newsbot.channels import Channel
    from newsbot.match import Matcher
    from newsbot.models import RawIssue
    from newsbot.outbox import OutboxReport
    from newsbot.pacing import SharedPacer
    from newsbot.sources import Source

log = logging.getLogger("newsbot.pipeline")


def utcnow() -> datetime:
    """The current time, aware, in UTC: every stored time is UTC."""
    return datetime.now(UTC)


@dataclass
class App:
    """The running configuration: validated settings, a database engine and a clock."""

    settings: Settings
    engine: Engine
    clock: Callable[[], datetime] = utcnow
    _synced_version: str | None = field(default=None, init=False, repr=False)

    @classmethod
    @contextmanager
    def open(
        cls,
        config_path: Path | None,
        database_url_: str | None = None,
        *,
        check_schema: bool = True,
    ) -> Iterator[App]:
        """Load the config and connect; refuse an outdated schema (it says what to run)."""
        settings = load_settings(default_config_path(config_path))
        url = database_url(database_url_)
        # Checked and connected once when the schema matters; a missing SQLite file is not created.
        if check_schema:
            from newsbot.store.schema import open_current

            engine = open_current(url)
        else:
            engine = make_engine(url, create=False)
        app: App | None = None
        try:
            app = cls(settings=settings, engine=engine)
            yield app
        finally:
            if app is not None and "pacer" in vars(app):  # only if something was sent
                app.pacer.close()
            engine.dispose()

    def sync_config(self) -> None:
        """Make the database hold this config version (once per App); logs what changed.

        The service acts on the YAML it was started with, so subscribers and sources exist as
        rows (with their history) before anything refers to them.
        """
        if self._synced_version == self.settings.version:
            return
        from newsbot.store.sync import apply_settings

        with self.session() as session:
            diff = apply_settings(session, self.settings, now=self.clock())
            session.commit()
        if not diff.empty:
            log.info("config applied", extra={"diff": diff.render()})
        self._synced_version = self.settings.version

    def session(self) -> Session:
        """A new session; callers commit."""
        return Session(self.engine, expire_on_commit=False)

    @cached_property
    def matcher(self) -> Matcher:
        """The matcher, compiled once for this config version."""
        from newsbot.match import compile_matcher

        return compile_matcher(self.settings.rules, self.settings.topics)

    @cached_property
    def rule_modes(self) -> dict[str, str]:
        """Each rule's delivery mode (alert, digest, both) by rule id, built once."""
        return {rule.id: rule.mode for rule in self.settings.rules}

    def sources(self) -> dict[str, Source]:
        """Source adapters for the active sources of the config."""
        from newsbot.sources import build_source

        return {i: build_source(o) for i, o in self.settings.sources.items() if o.active}

    def channels(self) -> dict[str, Channel]:
        """Channel adapters by id.

        A channel whose secret's environment variable is unset is left out: its deliveries
        wait in the outbox (counted as skipped) until the variable is set, instead of being
        refused by the platform and marked dead.
        """
        from newsbot.channels import build_channel

        return {
            i: build_channel(o)
            for i, o in self.settings.channels.items()
            if o.active and not missing_secrets(o)
        }

    @cached_property
    def pacer(self) -> SharedPacer:
        """The endpoints' send budgets, kept in the database for every process (one per App)."""
        from newsbot.pacing import SharedPacer

        return SharedPacer(self.engine)

    def http_client(self) -> httpx.AsyncClient:
        """The shared client with newsbot's manners."""
        from newsbot._http import make_async_client

        return make_async_client()

    def delivery_client(self) -> httpx.AsyncClient:
        """The client messages go out with (a lean HTTP/1.1 transport; see newsbot._http)."""
        from newsbot._http import make_delivery_client

        return make_delivery_client()


def missing_secrets(options: BaseModel) -> list[str]:
    """Names of the options' secret fields that are empty (their variable is not set)."""
    return [name for name, value in options if isinstance(value, Secret) and not value.reveal()]


@dataclass
class PollReport:
    """What one poll of one source did."""

    source_id: str
    outcome: str  # new | updated | unchanged | not_modified | no_issue | blocked | error
    issue_key: str | None = None
    paper: str | None = None
    issue_date: date | None = None
    articles_new: int = 0
    articles_changed: int = 0
    matches: int = 0
    alerts: int = 0
    error: str | None = None

    def after(self, first_pages: list[PollReport]) -> PollReport:
        """This report of the whole issue, counting what its first page already stored."""
        if not first_pages:
            return self
        new = any(part.outcome == "new" for part in first_pages)
        outcome = "new" if new and self.outcome in {"updated", "unchanged"} else self.outcome
        return replace(
            self,
            outcome=outcome,
            articles_new=self.articles_new + sum(p.articles_new for p in first_pages),
            articles_changed=self.articles_changed + sum(p.articles_changed for p in first_pages),
            matches=self.matches + sum(p.matches for p in first_pages),
            alerts=self.alerts + sum(p.alerts for p in first_pages),
        )

    def line(self) -> str:
        """One line for the terminal."""
        if self.outcome in {"new", "updated"}:
            return (
                f"{self.source_id}: {self.outcome} issue {self.issue_key} ({self.paper or '?'}): "
                f"{self.articles_new} new, {self.articles_changed} changed articles, "
                f"{self.matches} matches, {self.alerts} alerts queued"
            )
        if self.outcome in {"unchanged", "not_modified"}:
            return f"{self.source_id}: nothing new ({self.outcome.replace('_', ' ')})"
        detail = f": {self.error}" if self.error else ""
        return f"{self.source_id}: {self.outcome.replace('_', ' ')}{detail}"


async def poll_source(
    app: App,
    source_id: str,
    *,
    day: date | None = None,
    notify: bool = True,
    client: httpx.AsyncClient | None = None,
    wake: Callable[[], None] | None = None,
) -> PollReport:
    """Poll one source once; store what is new; queue alerts. Never raises for a bad source.

    A new issue's first page is stored and its alerts queued while the rest of the issue is
    still being walked; ``wake`` (the service's outbox) is called as soon as they are queued.
    """
    from newsbot import ingest

    sources = app.sources()
    if source_id not in sources:
        return PollReport(source_id, "error", error=f"unknown or inactive source {source_id!r}")
    source = sources[source_id]
    app.sync_config()
    now = app.clock()
    state = ingest.load_state(app, source_id)
    first_pages: list[PollReport] = []

    async def first_page(raw: RawIssue) -> None:
        first_pages.append(ingest.record_first_page(app, source_id, raw, now=now))
        if first_pages[-1].alerts and wake is not None:
            wake()

    early = first_page if notify else None
    own_client = client is None
    http = client or app.http_client()
    try:
        result = await source.poll(http, state, day=day, now=now, early=early)
    except SourceBlockedError as exc:
        return ingest.record_failure(app, source_id, "blocked", exc, now=now)
    except SourceError as exc:
        return ingest.record_failure(app, source_id, "error", exc, now=now)
    except Exception as exc:  # a bug in one source must not stop the others: count it, log it
        log.exception("poll crashed", extra={"source": source_id})
        text = redact_url(f"unexpected {type(exc).__name__}: {exc}")
        failure = SourceError(text, source=source_id)
        return ingest.record_failure(app, source_id, "error", failure, now=now)
    finally:
        if own_client:
            await http.aclose()
    report = ingest.record_result(app, source_id, result, notify=notify, now=now)
    return report.after(first_pages)


async def poll_all(app: App, *, day: date | None = None, notify: bool = True) -> list[PollReport]:
    """Poll every active source concurrently; one broken source never delays the others."""
    import asyncio

    async with app.http_client() as client:
        tasks = [
            poll_source(app, sid, day=day, notify=notify, client=client) for sid in app.sources()
        ]
        return list(await asyncio.gather(*tasks))


async def send_due(
    app: App,
    *,
    worker_id: str = "main",
    limit: int | None = None,
    stop: asyncio.Event | None = None,
    client: httpx.AsyncClient | None = None,
) -> OutboxReport:
    """Send every delivery that is due now, through the outbox (at most ``limit`` rows,
    :data:`newsbot.outbox.RUN_LIMIT` unless given).

    The service passes its own ``worker_id`` (a WorkerSlot), its ``stop`` event and one
    long-lived ``client`` (connections to each platform are kept across runs).
    """
    from contextlib import AsyncExitStack

    from newsbot import outbox

    async with AsyncExitStack() as stack:
        http = (
            client if client is not None else await stack.enter_async_context(app.delivery_client())
        )
        return await outbox.send_due(
            app.engine,
            app.channels(),
            client=http,
            now=app.clock,
            worker_id=worker_id,
            limit=outbox.RUN_LIMIT if limit is None else limit,
            admin_channel_id=app.settings.admin.channel,
            pacer=app.pacer,
            stop=stop,
        )
