"""The outbox's in-flight limit (newsbot._inflight): grows while sends wait on the receiver,
shrinks while they wait on our own CPU, never leaves ``[1, workers]``.

Round trips are fed by hand (numbers, not clocks), so every step is exact.
"""

from __future__ import annotations

from newsbot._inflight import START, InflightLimit


def feed(inflight: InflightLimit, round_trip_s: float, rounds: int) -> list[int]:
    """``rounds`` rounds of ``limit`` identical round trips; the limit after each round."""
    limits = []
    for _ in range(rounds):
        for _ in range(inflight.limit):
            inflight.observe(round_trip_s)
        limits.append(inflight.limit)
    return limits


def test_the_limit_starts_at_four_or_the_ceiling_when_lower() -> None:
    """Start level with the old default of 4 senders, never above ``workers``."""
    assert InflightLimit(16).limit == START == 4
    assert InflightLimit(2).limit == 2
    assert InflightLimit(0).limit == 1  # at least one sender


def test_a_far_receiver_grows_the_limit_one_per_round_up_to_the_ceiling() -> None:
    """Round trips as fast as the fastest: nothing queues on our side, so the limit grows by one
    per round of ``limit`` sends and stops at ``workers``."""
    inflight = InflightLimit(8)
    assert feed(inflight, 0.020, 6) == [5, 6, 7, 8, 8, 8]


def test_no_change_before_a_full_round_of_sends() -> None:
    """The limit moves once per ``limit`` round trips, not on every one."""
    inflight = InflightLimit(16)
    for _ in range(START - 1):
        inflight.observe(0.020)
    assert inflight.limit == START
    inflight.observe(0.020)
    assert inflight.limit == START + 1


def test_round_trips_stretched_by_our_own_queue_shrink_the_limit_down_to_the_band() -> None:
    """An instant receiver: each round trip is mostly waiting for the other sends' CPU (mean
    ``limit`` times the fastest), so the limit shrinks to where at most 4 wait (5 in flight)."""
    inflight = InflightLimit(16)
    feed(inflight, 0.020, 12)  # grown to 16 first
    assert inflight.limit == 16
    inflight.observe(0.001)  # the fastest answer seen: what a send costs with nothing queued
    inflight._sum_s, inflight._count = 0.0, 0  # a fresh round
    limits = []
    for _ in range(20):
        for _ in range(inflight.limit):
            inflight.observe(0.001 * inflight.limit)  # mean = limit × fastest
        limits.append(inflight.limit)
    assert limits[0] == 15
    assert set(limits[-5:]) == {5}


def test_however_stretched_the_round_trips_the_limit_stays_at_least_four() -> None:
    """The floor is where it started (the old default of 4 senders): even round trips a
    thousand times the fastest do not shrink it below that, so the outbox never stalls."""
    inflight = InflightLimit(16)
    inflight.observe(0.001)
    inflight._sum_s, inflight._count = 0.0, 0
    assert feed(inflight, 1.0, 10)[-1] == START


def test_a_moderate_stretch_keeps_the_limit_where_it_is() -> None:
    """Inside the band (between a third and a half of the sends waiting on us, or 2 to 4 of
    them) the limit holds: other load on the machine does not shrink a useful limit."""
    inflight = InflightLimit(16)
    feed(inflight, 0.020, 12)
    inflight.observe(0.020)
    inflight._sum_s, inflight._count = 0.0, 0
    # 16 × (1 − 20/32) = 6 queued: between 16/3 and 16/2.
    assert feed(inflight, 0.032, 5) == [16] * 5


def test_one_worker_stays_one_send_at_a_time() -> None:
    """``workers`` is a ceiling: with one worker the limit stays 1 however fast the round trips
    (one send at a time, as configured)."""
    inflight = InflightLimit(1)
    assert feed(inflight, 0.020, 10) == [1] * 10
