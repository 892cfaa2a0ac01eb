"""Channel tests share one harness (``channel_harness``) and the fake platforms fixture."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsbot.testing.platforms import FakePlatforms

# pytest imports test modules by path here; make the harness next to them importable.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def fake() -> Iterator[FakePlatforms]:
    """The fake platforms, listening on 127.0.0.1 for the duration of a test.

    Without rate limits: these tests send a split digest's parts back to back through the
    channel alone (pacing is the outbox's, tested in tests/service/test_pacing.py).
    """
    with FakePlatforms(retry_after_s=0.05, rate_limits={}) as platforms:
        yield platforms
