"""When to poll a source next: a pure policy the scheduler calls after every poll.

Inside the publication window a source is polled every ``every_minutes`` plus a random
jitter (so many sources do not hit their hosts on the same second) until today's issue is
stored, then every ``after_issue_minutes`` (corrections); outside it, at the window's next
start. After failures the delay doubles per consecutive failure, capped at
:data:`MAX_BACKOFF_S`. A server's Retry-After (``state.retry_not_before``) and the probe's
Cache-Control freshness (``state.fresh_until``) are never undercut. Usage::

    when = next_poll_at(options, now=now, outcome="no_issue", consecutive_failures=0, state=st)
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from newsbot.sources.base import (
    MAX_EVERY_MINUTES,
    MAX_JITTER_S,
    SourceOptions,
    SourceState,
    parse_window,
)

MAX_BACKOFF_S = 6 * 3600
_FAILED = frozenset({"error", "blocked"})


def next_poll_at(
    options: SourceOptions,
    *,
    now: datetime,
    outcome: str,
    consecutive_failures: int,
    state: SourceState | None = None,
    rng: random.Random | None = None,
) -> datetime:
    """The next time to poll ``options``' source, timezone-aware, never before ``now``.

    ``outcome`` is the pipeline's word for the last poll ("new", "no_issue", "error", ...);
    ``consecutive_failures`` counts failed polls in a row, including this one.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    schedule = options.schedule
    # The config bounds these; clamped again so options built in code (model_construct, a
    # plugin) can never make a NaN or an overflowing delay that kills the poll job.
    interval_s = _bounded(schedule.every_minutes * 60, 60.0, MAX_EVERY_MINUTES * 60)
    if state is not None and _has_todays_issue(options, state, now):
        interval_s = max(
            interval_s, _bounded(schedule.after_issue_minutes * 60, 60.0, MAX_EVERY_MINUTES * 60)
        )
    failures = consecutive_failures if consecutive_failures > 0 else int(outcome in _FAILED)
    if failures:
        interval_s = min(interval_s * 2 ** min(failures - 1, 32), MAX_BACKOFF_S)
    jitter_s = (rng or random).uniform(0, _bounded(schedule.jitter_s, 0.0, MAX_JITTER_S))
    candidate = next_in_window(options, now + timedelta(seconds=interval_s))
    candidate += timedelta(seconds=jitter_s)
    if state is not None:
        for floor in (state.retry_not_before, state.fresh_until):
            if floor is not None and floor > candidate:
                candidate = floor
    return candidate


def _bounded(value: float, low: float, high: float) -> float:
    """``value`` within [low, high]; NaN becomes ``low``."""
    if math.isnan(value):
        return low
    return min(max(value, low), high)


def _has_todays_issue(options: SourceOptions, state: SourceState, now: datetime) -> bool:
    """Whether the issue of the source's today is stored (dated sources key issues by day)."""
    return state.last_issue_key == now.astimezone(options.tz).date().isoformat()


def next_in_window(options: SourceOptions, when: datetime) -> datetime:
    """``when`` itself if it falls in the publication window, else the window's next start."""
    start_min, end_min = parse_window(options.schedule.window)
    local = when.astimezone(options.tz)
    minute = local.hour * 60 + local.minute + local.second / 60
    if start_min < end_min:
        inside = start_min <= minute < end_min
    else:  # a window across midnight, e.g. 22:00-02:00
        inside = minute >= start_min or minute < end_min
    if inside:
        return when
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    start = _at_minute(midnight, start_min, options)
    if start <= local:
        start = _at_minute(midnight + timedelta(days=1), start_min, options)
    return start.astimezone(when.tzinfo)


def _at_minute(midnight: datetime, minute: int, options: SourceOptions) -> datetime:
    # Build from the wall clock of that date, so a DST change lands on the local hour.
    naive = midnight.replace(tzinfo=None) + timedelta(minutes=minute)
    return naive.replace(tzinfo=options.tz)
