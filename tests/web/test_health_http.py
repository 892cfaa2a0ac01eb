"""/healthz, /readyz and /metrics of a real `newsbot run --http`, scraped over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from sqlalchemy import text
from tests.web.server import WRONG_WECOM_KEY, RunningNewsbot

from newsbot.store.db import make_engine


def samples(run: RunningNewsbot) -> Iterator[Sample]:
    """Every sample of one scrape, parsed by prometheus_client's own parser."""
    response = run.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    for family in text_string_to_metric_families(response.text):
        yield from family.samples


def value(run: RunningNewsbot, name: str, **labels: str) -> float:
    """The value of the one sample named ``name`` whose labels include ``labels``."""
    found = [
        s.value
        for s in samples(run)
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    assert len(found) == 1, f"{name}{labels}: {found}"
    return found[0]


def test_healthz_says_alive(running: RunningNewsbot) -> None:
    """/healthz answers 200 with JSON while the service's event loop runs."""
    response = running.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


def test_readyz_checks_database_schema_and_scheduler(running: RunningNewsbot) -> None:
    """/readyz is 200 and each check is ok: database reachable, schema at head, scheduler running."""
    response = running.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "schema": True,
        "scheduler": True,
    }
    assert body["checks"]["schema"]["current"] == body["checks"]["schema"]["head"]


def test_readyz_is_503_naming_the_schema_when_it_is_behind(running: RunningNewsbot) -> None:
    """A database whose schema is not this code's head makes /readyz 503 with schema not ok."""
    engine = make_engine(running.env["NEWSBOT_DATABASE_URL"])
    with engine.begin() as connection:
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    try:
        response = running.get("/readyz")
    finally:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        engine.dispose()
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["schema"] == {"ok": False, "current": "older", "head": head}
    assert checks["database"]["ok"] is True
    assert running.get("/readyz").status_code == 200


def test_metrics_count_polls_issues_articles_and_matches(running: RunningNewsbot) -> None:
    """The counters match what the poll stored: one new issue, its articles, its matches."""
    stored_articles = value(running, "newsbot_stored", table="articles")
    assert stored_articles > 0
    assert value(running, "newsbot_polls_total", source="ywsb", outcome="new") == 1
    assert value(running, "newsbot_issues_total", source="ywsb", outcome="new") == 1
    assert value(running, "newsbot_articles_total", source="ywsb", change="new") == stored_articles
    # merchant-chen (fraud, alert) and reader-wang (fairs, digest) match at least one each.
    stored_matches = value(running, "newsbot_stored", table="matches")
    assert stored_matches >= 2
    assert value(running, "newsbot_matches_total", source="ywsb") == stored_matches


def test_metrics_show_deliveries_by_channel_and_state_and_refusals_by_code(
    running: RunningNewsbot,
) -> None:
    """Each alert to the file channel is sent; the fake WeCom refuses each with errcode 93000.

    The database's gauges and the process's counters tell the same story.
    """
    sent = value(running, "newsbot_deliveries", channel="local-file", state="sent")
    dead = value(running, "newsbot_deliveries", channel="shop-wecom", state="dead")
    assert sent >= 1
    assert dead == sent  # merchant-chen's alerts go to both channels
    assert value(running, "newsbot_sends_total", channel="local-file", result="sent") == sent
    assert value(running, "newsbot_sends_total", channel="shop-wecom", result="permanent") == dead
    assert value(running, "newsbot_platform_refusals_total", kind="wecom", code="93000") == dead
    assert value(running, "newsbot_send_seconds_count", kind="wecom") == dead
    assert value(running, "newsbot_send_seconds_count", kind="file") == sent
    assert value(running, "newsbot_outbox_due") == 0
    assert value(running, "newsbot_outbox_oldest_due_age_seconds") == 0
    assert value(running, "newsbot_source_consecutive_failures", source="ywsb") == 0


def test_metrics_never_show_a_secret(running: RunningNewsbot) -> None:
    """The channel key is in no label or value of the scrape."""
    assert WRONG_WECOM_KEY not in running.get("/metrics").text


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_health_endpoints_answer_head_less_gets_only(running: RunningNewsbot, path: str) -> None:
    """The probes are read-only: a POST is refused with 405."""
    import httpx

    assert httpx.post(running.base_url + path, timeout=30).status_code == 405
