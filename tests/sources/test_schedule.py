"""``next_poll_at``: the window, jitter, backoff after failures, and servers' hints."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from newsbot.sources import SourceState, next_poll_at

from .helpers import SHANGHAI, at, options


def _opts(window: str = "05:00-10:00", every_minutes: float = 15, jitter_s: float = 0) -> object:
    schedule = {"window": window, "every_minutes": every_minutes, "jitter_s": jitter_s}
    return options("feed", url="http://x/", schedule=schedule)


def _next(
    opts: object,
    now: datetime,
    outcome: str = "no_issue",
    failures: int = 0,
    state: SourceState | None = None,
) -> datetime:
    return next_poll_at(
        opts,
        now=now,
        outcome=outcome,
        consecutive_failures=failures,  # type: ignore[arg-type]
        state=state,
        rng=random.Random(7),
    )


def test_inside_the_window_polls_every_interval() -> None:
    """At 06:00 inside 05:00-10:00, every 15 minutes means 06:15."""
    assert _next(_opts(), at("2025-05-16 06:00")) == at("2025-05-16 06:15")


def test_outside_the_window_waits_for_its_next_start() -> None:
    """Before the window: today's start; after it (or past its end): tomorrow's start."""
    assert _next(_opts(), at("2025-05-16 03:00")) == at("2025-05-16 05:00")
    assert _next(_opts(), at("2025-05-16 11:00")) == at("2025-05-17 05:00")
    assert _next(_opts(), at("2025-05-16 09:55")) == at("2025-05-17 05:00")


def test_jitter_is_added_within_its_bound() -> None:
    """Jitter spreads polls by up to jitter_s seconds after the planned time."""
    when = _next(_opts(jitter_s=30), at("2025-05-16 06:00"))
    assert at("2025-05-16 06:15") <= when <= at("2025-05-16 06:15") + timedelta(seconds=30)
    assert when != at("2025-05-16 06:15")


def test_failures_back_off_exponentially_with_a_cap() -> None:
    """Each consecutive failure doubles the wait; it never exceeds six hours."""
    feed = _opts(window="00:00-24:00")
    now = at("2025-05-16 06:00")
    assert _next(feed, now, "error", failures=1) == now + timedelta(minutes=15)
    assert _next(feed, now, "error", failures=3) == now + timedelta(minutes=60)
    assert _next(feed, now, "blocked", failures=30) == now + timedelta(hours=6)
    # In a paper's window, a long backoff lands on the next window's start.
    assert _next(_opts(), now, "error", failures=5) == at("2025-05-17 05:00")


def test_servers_hints_are_never_undercut() -> None:
    """Retry-After and Cache-Control freshness in the state push the next poll later."""
    now = at("2025-05-16 06:00")
    later = at("2025-05-16 08:00")
    assert _next(_opts(), now, state=replace(SourceState(), retry_not_before=later)) == later
    assert _next(_opts(), now, state=replace(SourceState(), fresh_until=later)) == later


def test_a_window_across_midnight() -> None:
    """A 22:00-02:00 window is open at 23:30 and at 01:00, closed at 03:00."""
    night = _opts(window="22:00-02:00")
    assert _next(night, at("2025-05-16 23:30")) == at("2025-05-16 23:45")
    assert _next(night, at("2025-05-17 01:00")) == at("2025-05-17 01:15")
    assert _next(night, at("2025-05-17 03:00")) == at("2025-05-17 22:00")


@given(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1)),
    st.integers(min_value=0, max_value=12),
    st.sampled_from(["05:00-10:00", "00:00-24:00", "22:00-02:00", "13:30-13:45"]),
)
def test_next_poll_is_later_and_inside_the_window(
    naive: datetime, failures: int, window: str
) -> None:
    """Whatever the time and failures: the next poll is after now and inside the window."""
    now = naive.replace(tzinfo=UTC)
    opts = _opts(window=window)
    when = _next(opts, now, "error" if failures else "no_issue", failures=failures)
    assert when > now
    local = when.astimezone(SHANGHAI)
    start, end = (int(p[:2]) * 60 + int(p[3:]) for p in window.split("-"))
    minute = local.hour * 60 + local.minute
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    assert inside
