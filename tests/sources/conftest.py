"""Fixtures of the sources tests: a fake site on 127.0.0.1 and a limiter of the test's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from newsbot.sources import HostLimiter
from newsbot.testing.sites import FakeSite


@pytest.fixture
def site() -> Iterator[FakeSite]:
    """A fake site on 127.0.0.1, shut down after the test."""
    with FakeSite() as fake:
        yield fake


@pytest.fixture
def limiter() -> HostLimiter:
    """A limiter of the test's own, so tests do not wait on each other's hosts."""
    return HostLimiter()
