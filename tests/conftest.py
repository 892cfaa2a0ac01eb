"""Shared fixtures: a real SQLite file, the real PostgreSQL server when one answers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from newsbot.store.db import make_engine

FIXTURES = Path(__file__).parent / "fixtures"
POSTGRES_URL = os.environ.get(
    "NEWSBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_answers() -> str | None:
    """None when the server answers; else why not (said in the skip reason)."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"no PostgreSQL server answers at {POSTGRES_URL}: {str(exc).strip()[:200]}"


_PG_PROBLEM = _postgres_answers()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A URL of a fresh SQLite file in the test's own folder."""
    return f"sqlite:///{tmp_path / 'newsbot.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL of the test PostgreSQL database, on a schema of the test's own (dropped after)."""
    if _PG_PROBLEM is not None:
        pytest.skip(f"PostgreSQL path skipped: {_PG_PROBLEM}")
    schema = f"nb_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # libpq "options" puts every connection of this URL on the test's schema.
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each database newsbot supports: a SQLite file, and PostgreSQL when a server answers."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a migrated, empty database (SQLite file or PostgreSQL schema)."""
    from newsbot.store.schema import upgrade

    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def pytest_report_header(config: pytest.Config) -> str:
    """Say up front whether the PostgreSQL paths run."""
    if _PG_PROBLEM is None:
        return f"postgres: tests run against {POSTGRES_URL}"
    return f"postgres: SKIPPED ({_PG_PROBLEM})"
