"""With its database gone, the web face still answers: alive, not ready, counters scraped."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.web.server import AsgiClient, write_config

from newsbot.config import load_settings
from newsbot.pipeline import App
from newsbot.store.db import make_engine


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


@pytest.fixture
def client(tmp_path: Path, closed_port: int) -> Iterator[AsgiClient]:
    """The console's ASGI app over a PostgreSQL URL at a port where no server listens."""
    from newsbot.web import create_app

    settings = load_settings(write_config(tmp_path, wecom_url="http://127.0.0.1:9/wecom"))
    engine = make_engine(f"postgresql+psycopg://newsbot@127.0.0.1:{closed_port}/newsbot")
    yield AsgiClient(create_app(App(settings=settings, engine=engine)))
    engine.dispose()


def test_healthz_stays_alive_and_readyz_names_the_database(client: AsgiClient) -> None:
    """Alive is about the process; ready is 503 with the database check failed and why."""
    assert client.get("/healthz").json() == {"status": "alive"}
    ready = client.get("/readyz")
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["database"]["ok"] is False
    assert checks["database"]["error"].startswith("OperationalError")
    assert checks["schema"]["ok"] is False
    assert checks["scheduler"] == {"ok": False}  # no scheduler runs beside this app


def test_metrics_say_the_database_is_down_instead_of_failing(client: AsgiClient) -> None:
    """/metrics answers 200 with newsbot_database_up 0 and no database gauges."""
    response = client.get("/metrics")
    assert response.status_code == 200
    names = {
        s.name: s.value for f in text_string_to_metric_families(response.text) for s in f.samples
    }
    assert names["newsbot_database_up"] == 0
    assert "newsbot_outbox_due" not in names
