"""One real ``newsbot run --http`` per database, shared by the web tests that read from it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from tests.conftest import _PG_PROBLEM, POSTGRES_URL
from tests.web.server import RunningNewsbot, start_running

from newsbot.store.db import make_engine
from newsbot.testing.platforms import FakePlatforms


@pytest.fixture(scope="session")
def fake_platforms() -> Iterator[FakePlatforms]:
    """The fake chat platforms on 127.0.0.1, for the session."""
    with FakePlatforms() as fake:
        yield fake


@pytest.fixture(scope="session")
def session_postgres_url() -> Iterator[str]:
    """A PostgreSQL schema of the web tests' own (dropped after); skipped when no server answers."""
    if _PG_PROBLEM is not None:
        pytest.skip(f"PostgreSQL path skipped: {_PG_PROBLEM}")
    schema = f"nb_web_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def running(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    fake_platforms: FakePlatforms,
) -> Iterator[RunningNewsbot]:
    """`newsbot run --http 127.0.0.1:0` that has polled the sample page and delivered."""
    folder = tmp_path_factory.mktemp(f"run-{request.param}")
    if request.param == "sqlite":
        database_url = f"sqlite:///{folder / 'newsbot.db'}"
    else:
        database_url = str(request.getfixturevalue("session_postgres_url"))
    run = start_running(folder, database_url, fake_platforms)
    try:
        yield run
    finally:
        run.stop()
