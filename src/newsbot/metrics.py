"""Prometheus metrics of ``newsbot run``: counters fed by tiny hooks, gauges read at scrape time.

Counters (this process since it started), fed by one call each where the work happens:

    newsbot_polls_total{source,outcome}           every poll (scheduler)
    newsbot_poll_failures_total{source}           polls that ended in error or blocked
    newsbot_issues_total{source,outcome}          issues stored new or updated
    newsbot_articles_total{source,change}         articles stored new or changed
    newsbot_matches_total{source}                 (subscriber, article) matches recorded
    newsbot_sends_total{channel,result}           sends: sent | transient | permanent (outbox)
    newsbot_send_seconds{kind}                    histogram of one send's duration
    newsbot_platform_refusals_total{kind,code}    refusals by the platform's code (or HTTP status)

Gauges read from the database when scraped (through :mod:`newsbot.store.console`), so they
are right for every worker sharing the database:

    newsbot_deliveries{channel,state}             deliveries in the outbox by channel and state
    newsbot_outbox_due                            deliveries due now (pending or failed)
    newsbot_outbox_oldest_due_age_seconds         age of the oldest of them (0 when none)
    newsbot_source_consecutive_failures{source}   each active source's current failure streak
    newsbot_stored{table}                         issues, articles and matches stored
    newsbot_database_up                           1 when the scrape could read the database

Usage::

    metrics.record_poll(report)                              # after each poll
    text = await metrics.timed_send(channel, client, message, now=now)
    body = exposition(StoreCollector(engine, clock))         # what /metrics serves
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from newsbot.errors import DeliveryError, PermanentDeliveryError

if TYPE_CHECKING:
    import httpx
    from sqlalchemy import Engine

    from newsbot.channels import Channel
    from newsbot.models import Message
    from newsbot.pipeline import PollReport

log = logging.getLogger("newsbot.metrics")

# No `*_created` series: they double what Prometheus stores and nobody graphs them.
disable_created_metrics()  # type: ignore[no-untyped-call]  # the library leaves it untyped

#: The process-wide counters; /metrics adds the database gauges to them at each scrape.
REGISTRY = CollectorRegistry(auto_describe=True)

POLLS = Counter(
    "newsbot_polls", "Polls by source and outcome.", ["source", "outcome"], registry=REGISTRY
)
POLL_FAILURES = Counter(
    "newsbot_poll_failures", "Polls that failed (error or blocked).", ["source"], registry=REGISTRY
)
ISSUES = Counter(
    "newsbot_issues", "Issues stored, new or updated.", ["source", "outcome"], registry=REGISTRY
)
ARTICLES = Counter(
    "newsbot_articles", "Articles stored, new or changed.", ["source", "change"], registry=REGISTRY
)
MATCHES = Counter("newsbot_matches", "Matches recorded.", ["source"], registry=REGISTRY)
SENDS = Counter(
    "newsbot_sends", "Sends by channel and result.", ["channel", "result"], registry=REGISTRY
)
SEND_SECONDS = Histogram(
    "newsbot_send_seconds",
    "Duration of one send to a platform, answer included.",
    ["kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
REFUSALS = Counter(
    "newsbot_platform_refusals",
    "Platform refusals by the platform's code (HTTP status when it gave none).",
    ["kind", "code"],
    registry=REGISTRY,
)
_FAILED_OUTCOMES = frozenset({"error", "blocked"})


def record_poll(report: PollReport) -> None:
    """Count one poll and what it stored."""
    source = report.source_id
    POLLS.labels(source, report.outcome).inc()
    if report.outcome in _FAILED_OUTCOMES:
        POLL_FAILURES.labels(source).inc()
    if report.outcome in {"new", "updated"}:
        ISSUES.labels(source, report.outcome).inc()
    if report.articles_new:
        ARTICLES.labels(source, "new").inc(report.articles_new)
    if report.articles_changed:
        ARTICLES.labels(source, "changed").inc(report.articles_changed)
    if report.matches:
        MATCHES.labels(source).inc(report.matches)


def refusal_code(exc: DeliveryError) -> str:
    """The label of a refusal: the platform's own code, else the HTTP status, else transport."""
    if exc.code is not None:
        return exc.code
    return str(exc.status_code) if exc.status_code is not None else "transport"


async def timed_send(
    channel: Channel, client: httpx.AsyncClient, message: Message, *, now: datetime
) -> str:
    """``channel.send`` timed into the histogram, its result and any refusal counted."""
    started = time.perf_counter()
    try:
        text = await channel.send(client, message, now=now)
    except DeliveryError as exc:
        permanent = isinstance(exc, PermanentDeliveryError)
        SENDS.labels(channel.id, "permanent" if permanent else "transient").inc()
        if exc.status_code is not None or exc.code is not None:
            REFUSALS.labels(channel.kind, refusal_code(exc)).inc()
        raise
    finally:
        SEND_SECONDS.labels(channel.kind).observe(time.perf_counter() - started)
    SENDS.labels(channel.id, "sent").inc()
    return text


class StoreCollector(Collector):
    """Gauges computed from the database at each scrape, through the store's query functions."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        from sqlalchemy.exc import SQLAlchemyError
        from sqlmodel import Session

        from newsbot.store import console
        from newsbot.store.db import as_utc

        now = self.clock()
        try:
            with Session(self.engine) as session:
                counts = console.delivery_counts(session)
                due, oldest = console.outbox_due(session, now=now)
                sources = console.source_rows(session)
                stored = console.table_counts(session)
        except SQLAlchemyError:
            # A scrape must not fail with the database: the counters still tell what happened.
            log.warning("metrics: database unreachable", exc_info=True)
            yield GaugeMetricFamily("newsbot_database_up", "The database answered.", value=0)
            return
        yield GaugeMetricFamily("newsbot_database_up", "The database answered.", value=1)
        deliveries = GaugeMetricFamily(
            "newsbot_deliveries", "Deliveries by channel and state.", labels=["channel", "state"]
        )
        for channel, state, count in counts:
            deliveries.add_metric([channel, state], count)
        yield deliveries
        yield GaugeMetricFamily("newsbot_outbox_due", "Deliveries due now.", value=due)
        age_s = (now - as_utc(oldest)).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "newsbot_outbox_oldest_due_age_seconds",
            "Age of the oldest delivery due now (0 when none is due).",
            value=max(0.0, age_s),
        )
        streaks = GaugeMetricFamily(
            "newsbot_source_consecutive_failures",
            "Consecutive failed polls of each active source.",
            labels=["source"],
        )
        for row in sources:
            if row.active:
                streaks.add_metric([row.id], row.consecutive_failures)
        yield streaks
        table = GaugeMetricFamily("newsbot_stored", "Rows stored, by table.", labels=["table"])
        for name, count in stored.items():
            table.add_metric([name], count)
        yield table


class _Counters(Collector):
    """Forwards the process-wide counters into a scrape's registry."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition(store: StoreCollector) -> bytes:
    """The text format of every counter plus the database gauges, read now."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Counters())
    registry.register(store)
    return generate_latest(registry)
